package io.llmagentos.testsupport;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The methods that compiled classes call, read from their constant pools (JVMS §4.4), so a test can forbid an
 * API that the compiler cannot: e.g. a library overload that is unsafe in one module.
 */
public final class ClassRefs {
    private ClassRefs() {
    }

    /** A referenced method: owner in internal form ({@code ai/djl/ndarray/NDArray}), name and descriptor. */
    public record MethodRef(String owner, String name, String descriptor) {
        @Override
        public String toString() {
            return owner.replace('/', '.') + "." + name + descriptor;
        }
    }

    /** Every method reference of every class file under {@code classesDir}, by class file (relative path). */
    public static Map<String, List<MethodRef>> methodRefs(Path classesDir) {
        Map<String, List<MethodRef>> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(classesDir)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".class"))::iterator) {
                out.put(classesDir.relativize(f).toString(), methodRefs(Files.readAllBytes(f)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The method references (Methodref and InterfaceMethodref entries) of one class file. */
    public static List<MethodRef> methodRefs(byte[] classFile) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        int[] classNameIndex = new int[count];
        int[][] ref = new int[count][]; // Methodref/InterfaceMethodref: {class, nameAndType}
        int[][] nameAndType = new int[count][];
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 7 -> classNameIndex[i] = in.readUnsignedShort();
                case 8, 16, 19, 20 -> in.readUnsignedShort();
                case 15 -> {
                    in.readUnsignedByte();
                    in.readUnsignedShort();
                }
                case 3, 4 -> in.readInt();
                case 5, 6 -> {
                    in.readLong();
                    i++; // eight-byte constants take two slots
                }
                case 9 -> {
                    in.readUnsignedShort();
                    in.readUnsignedShort();
                }
                case 10, 11 -> ref[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
                case 12 -> nameAndType[i] = new int[] {in.readUnsignedShort(), in.readUnsignedShort()};
                case 17, 18 -> {
                    in.readUnsignedShort();
                    in.readUnsignedShort();
                }
                default -> throw new IOException("unknown constant pool tag " + tag + " at entry " + i);
            }
        }
        List<MethodRef> out = new ArrayList<>();
        for (int[] r : ref) {
            if (r != null) {
                int[] nt = nameAndType[r[1]];
                out.add(new MethodRef(utf8[classNameIndex[r[0]]], utf8[nt[0]], utf8[nt[1]]));
            }
        }
        return out;
    }

    /**
     * The class files under {@code classesDir} that call {@code owner.name} with {@code descriptor} (null: any), for
     * any of {@code names}, as "class: method" lines.
     */
    public static List<String> callers(Path classesDir, String owner, List<String> names, String descriptor) {
        TreeSet<String> hits = new TreeSet<>();
        methodRefs(classesDir).forEach((cls, refs) -> {
            for (MethodRef r : refs) {
                if (r.owner().equals(owner) && names.contains(r.name())
                        && (descriptor == null || r.descriptor().equals(descriptor))) {
                    hits.add(cls + ": " + r);
                }
            }
        });
        return new ArrayList<>(hits);
    }

    /**
     * Calls of DJL's {@code NDArray} arithmetic with a Java number (mul, div, pow, maximum, minimum and their
     * in-place forms), and of the DJL methods that make such a call inside (swish, relu6, scaleGradient, gatherNd,
     * toDegrees/toRadians, the reversed rdiv/rpow and {@code NDArrays}' number forms), from the class files under
     * {@code classesDir}, except those of training's {@code Scalars}, which makes such numbers safe for autograd (see
     * its documentation). The list of DJL methods was read off DJL 0.36's bytecode.
     */
    public static List<String> djlNumberArithmeticCallers(Path classesDir) {
        String number = "(Ljava/lang/Number;)Lai/djl/ndarray/NDArray;";
        List<String> hits = new ArrayList<>(callers(classesDir, "ai/djl/ndarray/NDArray",
                List.of("mul", "div", "pow", "maximum", "minimum", "muli", "divi", "powi"), number));
        hits.addAll(callers(classesDir, "ai/djl/ndarray/NDArray", List.of("scaleGradient", "gatherNd", "toDegrees",
                "toRadians"), null));
        hits.addAll(callers(classesDir, "ai/djl/ndarray/internal/NDArrayEx", List.of("swish", "rdiv", "rdivi", "rpow",
                "rpowi"), null));
        hits.addAll(callers(classesDir, "ai/djl/nn/Activation", List.of("swish", "relu6"), null));
        hits.addAll(callers(classesDir, "ai/djl/ndarray/NDArrays", List.of("mul", "div", "pow", "maximum", "minimum",
                "muli", "divi", "powi"), null).stream().filter(h -> h.contains("Ljava/lang/Number;")).toList());
        hits.removeIf(h -> h.startsWith("io/llmagentos/training/Scalars.class"));
        return hits;
    }
}
