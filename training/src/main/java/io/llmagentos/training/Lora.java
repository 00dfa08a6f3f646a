package io.llmagentos.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.llmagentos.core.json.JsonFields;
import io.llmagentos.core.safetensors.DType;
import io.llmagentos.core.safetensors.SafetensorsFile;
import io.llmagentos.core.safetensors.SafetensorsWriter;
import io.llmagentos.core.safetensors.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Low-rank adapters (LoRA, Hu et al.) on chosen projections: a frozen weight W [out, in] gains
 * {@code ΔW = (alpha / r) · B · A} with trainable A [r, in] and B [out, r], so a linear layer computes
 * {@code y = x·Wᵀ + (alpha / r) · dropout(x)·Aᵀ·Bᵀ}. A starts as PEFT's Kaiming-uniform
 * (bound {@code 1/√in}), B as zeros, so training starts from the base model exactly.
 *
 * <p>Adapters save in PEFT's layout ({@code adapter_config.json} + {@code adapter_model.safetensors} with
 * names like {@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}) and merge into the
 * base weights for export.
 */
public final class Lora implements AutoCloseable {
    public static final String CONFIG_FILE = "adapter_config.json";
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";

    private final int rank;
    private final double alpha;
    private final double dropout;
    private final List<String> targets;
    private final NDManager manager;
    private final Map<String, Parameter[]> adapters = new LinkedHashMap<>(); // base weight name -> {A, B}

    public Lora(LlamaModel model, int rank, double alpha, double dropout, List<String> targets, long seed) {
        this.rank = rank;
        this.alpha = alpha;
        this.dropout = dropout;
        this.targets = List.copyOf(targets);
        this.manager = model.manager().newSubManager();
        SplittableRandom r = new SplittableRandom(seed ^ 0x10CA);
        for (String name : model.parameters().keySet()) {
            if (!isTarget(name)) {
                continue;
            }
            Shape w = model.weight(name).getShape();
            int out = (int) w.get(0);
            int in = (int) w.get(1);
            float[] a = new float[rank * in];
            double bound = 1.0 / Math.sqrt(in);
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
            }
            adapters.put(name, new Parameter[] {param(name + ".lora_A", a, new Shape(rank, in)),
                param(name + ".lora_B", new float[out * rank], new Shape(out, rank))});
        }
        if (adapters.isEmpty()) {
            throw new IllegalArgumentException("no projection matches lora.targets " + targets);
        }
    }

    private boolean isTarget(String name) {
        for (String t : targets) {
            if (name.endsWith("." + t + ".weight")) {
                return true;
            }
        }
        return false;
    }

    private Parameter param(String name, float[] v, Shape shape) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
        NDArray a = LlamaModel.owned(manager.create(v, shape));
        a.setRequiresGradient(true);
        p.setArray(a);
        return p;
    }

    public double scale() {
        return alpha / rank;
    }

    public int rank() {
        return rank;
    }

    /** Adapter parameters by PEFT-style name suffix ({@code …q_proj.lora_A}), A before B. */
    public Map<String, Parameter> parameters() {
        Map<String, Parameter> m = new LinkedHashMap<>();
        adapters.forEach((n, ab) -> {
            m.put(ab[0].getName(), ab[0]);
            m.put(ab[1].getName(), ab[1]);
        });
        return m;
    }

    /** Trainable parameter count: r · (in + out) per adapted projection. */
    public long trainableParameters() {
        long n = 0;
        for (Parameter[] ab : adapters.values()) {
            n += ab[0].getArray().size() + ab[1].getArray().size();
        }
        return n;
    }

    /**
     * Weights whose adapted projections add the low-rank update; {@code value} fetches a parameter's array on
     * the forward's device. Dropout applies when {@code training}.
     */
    public Weights wrap(Weights base, Function<Parameter, NDArray> value, boolean training) {
        return new Weights() {
            @Override
            public NDArray get(String name) {
                return base.get(name);
            }

            @Override
            public NDArray linear(String name, NDArray x) {
                NDArray y = base.linear(name, x);
                Parameter[] ab = adapters.get(name);
                if (ab == null) {
                    return y;
                }
                NDArray in = training && dropout > 0
                        ? x.getNDArrayInternal().dropout(x, (float) dropout, true).singletonOrThrow() : x;
                NDArray down = in.getNDArrayInternal().linear(in, value.apply(ab[0]), null).singletonOrThrow();
                NDArray up = down.getNDArrayInternal().linear(down, value.apply(ab[1]), null).singletonOrThrow();
                return y.add(Scalars.mul(up, scale()));
            }
        };
    }

    /** {@code W + (alpha/r)·B·A} for every adapted weight, as float arrays by base name. */
    public Map<String, float[]> merged(LlamaModel model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        adapters.forEach((name, ab) -> {
            try (NDManager m = manager.newSubManager()) {
                NDArray delta = Scalars.mul(ab[1].getArray().matMul(ab[0].getArray()), scale());
                delta.attach(m);
                NDArray w = model.weight(name).add(delta);
                w.attach(m);
                out.put(name, w.toFloatArray());
            }
        });
        return out;
    }

    /**
     * Writes the merged weights into the model. Refuses a merge that would change nothing (all B still
     * zero: the adapters never trained), which would silently ship the base model.
     */
    public void mergeInto(LlamaModel model) {
        double maxB = 0;
        for (Parameter[] ab : adapters.values()) {
            for (float v : ab[1].getArray().toFloatArray()) {
                maxB = Math.max(maxB, Math.abs(v));
            }
        }
        if (maxB == 0) {
            throw new IllegalStateException("every LoRA B matrix is zero: the adapters did not train, so merging "
                    + "would change nothing; check the learning rate and that the data has assistant turns");
        }
        merged(model).forEach(model::setWeight);
    }

    /** Writes {@code adapter_config.json} and {@code adapter_model.safetensors} (PEFT layout) into {@code dir}. */
    public void savePeft(Path dir, String baseModel) throws IOException {
        Files.createDirectories(dir);
        ObjectNode c = JsonFields.MAPPER.createObjectNode();
        c.put("peft_type", "LORA");
        c.put("task_type", "CAUSAL_LM");
        c.put("base_model_name_or_path", baseModel);
        c.put("r", rank);
        c.put("lora_alpha", alpha);
        c.put("lora_dropout", dropout);
        var t = c.putArray("target_modules");
        targets.forEach(t::add);
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        c.put("init_lora_weights", true);
        c.put("use_rslora", false);
        c.put("use_dora", false);
        c.putNull("modules_to_save");
        c.putNull("layers_to_transform");
        c.putNull("layers_pattern");
        c.putObject("rank_pattern");
        c.putObject("alpha_pattern");
        JsonFields.MAPPER.writeValue(dir.resolve(CONFIG_FILE).toFile(), c);
        List<TensorSpec> specs = new ArrayList<>();
        Map<String, float[]> values = new LinkedHashMap<>();
        adapters.forEach((name, ab) -> {
            for (int i = 0; i < 2; i++) {
                String peft = pefName(name, i == 0 ? "lora_A" : "lora_B");
                specs.add(new TensorSpec(peft, DType.F32, ab[i].getArray().getShape().getShape()));
                values.put(peft, ab[i].getArray().toFloatArray());
            }
        });
        try (SafetensorsWriter w = new SafetensorsWriter(dir.resolve(WEIGHTS_FILE), specs, Map.of("format", "pt"))) {
            for (var e : values.entrySet()) {
                w.writeFloats(e.getKey(), e.getValue());
            }
        }
    }

    /** Loads adapter values saved by {@link #savePeft} (same targets and rank). */
    public void loadPeft(Path dir) throws IOException {
        try (SafetensorsFile f = SafetensorsFile.open(dir.resolve(WEIGHTS_FILE))) {
            for (var e : adapters.entrySet()) {
                for (int i = 0; i < 2; i++) {
                    String peft = pefName(e.getKey(), i == 0 ? "lora_A" : "lora_B");
                    if (!f.contains(peft)) {
                        throw new IOException(f.path() + ": missing adapter tensor " + peft);
                    }
                    NDArray dst = e.getValue()[i].getArray();
                    try (NDArray v = manager.create(f.readFloats(peft), dst.getShape())) {
                        LlamaModel.copyInto(dst, v.toDevice(dst.getDevice(), false));
                    }
                }
            }
        }
    }

    /** PEFT's name: {@code base_model.model.<HF module>.lora_A.weight}. */
    static String pefName(String baseWeight, String which) {
        String module = baseWeight.substring(0, baseWeight.length() - ".weight".length());
        return "base_model.model." + module + "." + which + ".weight";
    }

    @Override
    public void close() {
        manager.close();
    }
}
