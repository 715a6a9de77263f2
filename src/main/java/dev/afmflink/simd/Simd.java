package dev.afmflink.simd;

/**
 * Where a SIMD implementation comes from: the Vector API one when this JVM has the
 * {@code jdk.incubator.vector} module (and {@code -Dafm.scalar=true} is not set), else the scalar
 * one, which gives the same bits. The SIMD classes are loaded by name only, so the rest of the code
 * runs on a JVM without the module.
 */
public final class Simd {
    private Simd() {
    }

    /** True when the Vector API implementations can run here. */
    public static boolean available() {
        return !Boolean.getBoolean("afm.scalar") && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** An instance of {@code vectorClass} (no-argument constructor) when {@link #available()}, else {@code scalar}. */
    public static <T> T load(Class<T> type, String vectorClass, T scalar) {
        if (!available()) {
            return scalar;
        }
        try {
            var constructor = Class.forName(vectorClass).getDeclaredConstructor();
            constructor.setAccessible(true);
            return type.cast(constructor.newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            return scalar;
        }
    }
}
