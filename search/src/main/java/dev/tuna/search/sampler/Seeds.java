package dev.tuna.search.sampler;

/**
 * Derives independent seeds from a sampler's seed and a trial's coordinates, so a suggestion depends only on
 * (seed, trial number, parameter name): the same whatever order threads ask in.
 */
final class Seeds {
    private Seeds() {
    }

    /** Mixes the values into one well-spread 64-bit seed (SplitMix64's finaliser, applied in turn). */
    static long mix(long seed, long... values) {
        long h = finalise(seed);
        for (long v : values) {
            h = finalise(h ^ finalise(v + 0x9E3779B97F4A7C15L));
        }
        return h;
    }

    /**
     * A 64-bit hash of a parameter's name (FNV-1a over its UTF-16 code units), to mix into a seed. Not
     * {@code String.hashCode}: its 32 bits collide for names as short as "Aa" and "BB", and two parameters with one
     * seed would always draw the same values.
     */
    static long ofName(String name) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < name.length(); i++) {
            h = (h ^ name.charAt(i)) * 0x100000001b3L;
        }
        return h;
    }

    private static long finalise(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
