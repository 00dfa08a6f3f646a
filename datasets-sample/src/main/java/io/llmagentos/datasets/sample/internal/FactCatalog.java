package io.llmagentos.datasets.sample.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The equipment models the corpus talks about, with their fault-code tables and service facts.
 * A share of the models is held out: the corpus and the SFT set never mention them, the eval and
 * calibration sets are built from them only.
 */
public final class FactCatalog {
    static final String[] PART_PREFIXES = {"SK", "KT", "RP", "PN", "SP"};
    static final int[] INTERVALS = {250, 500, 1000, 2000, 3000, 4000, 6000, 8000};

    /** A fault code of one model and what it means. */
    public record Fault(String code, Family.Condition condition) {
    }

    /** One equipment model. */
    public record Model(Family family, String code, List<Fault> faults, List<String> partNumbers, int serviceHours,
            String lubricant, double capacityLitres, boolean heldOut) {
        /** "screw compressor CX-175". */
        public String label() {
            return family.name() + " " + code;
        }

        public String partNumber(int partIndex) {
            return partNumbers.get(partIndex);
        }
    }

    private final List<Model> training = new ArrayList<>();
    private final List<Model> heldOut = new ArrayList<>();

    /**
     * @param seed            the generator seed
     * @param modelsPerFamily models per family
     * @param heldOutFraction share of models reserved for eval and calibration
     */
    public FactCatalog(long seed, int modelsPerFamily, double heldOutFraction) {
        Rng r = Rng.of(seed, 11, 0);
        Set<String> used = new HashSet<>();
        for (Family f : Families.ALL) {
            for (int m = 0; m < modelsPerFamily; m++) {
                String code;
                do {
                    code = f.prefix() + "-" + r.between(100, 999);
                } while (!used.add(code));
                List<Fault> faults = new ArrayList<>();
                Set<String> codes = new HashSet<>();
                for (Family.Condition c : f.conditions()) {
                    String fc;
                    do {
                        fc = f.faultStyle() + r.between(100, 999);
                    } while (!codes.add(fc));
                    faults.add(new Fault(fc, c));
                }
                List<String> pns = new ArrayList<>();
                for (int p = 0; p < f.parts().size(); p++) {
                    pns.add(r.pick(PART_PREFIXES) + "-" + r.between(1000, 9999));
                }
                Model model = new Model(f, code, List.copyOf(faults), List.copyOf(pns), INTERVALS[r.nextInt(INTERVALS.length)],
                        r.pick(f.lubricants()), r.between(4, 400) / 2.0, r.chance(heldOutFraction));
                (model.heldOut() ? heldOut : training).add(model);
            }
        }
        if (heldOut.isEmpty() || training.isEmpty()) {
            throw new IllegalStateException("fact catalog needs both training and held-out models");
        }
    }

    public List<Model> training() {
        return training;
    }

    public List<Model> heldOut() {
        return heldOut;
    }
}
