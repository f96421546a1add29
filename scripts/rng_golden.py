#!/usr/bin/env python3
"""Golden values for tests/test_engine.cpp's RNG tests, derived independently of the C++ code.

Sources:
  * std::mt19937_64 is fully specified by the C++ standard ([rand.predef]): a default-constructed engine
    (seed 5489) yields 9981545732273789042 as its 10000th output. Its first outputs are
    14514284786278117030, 4620546740167642908, 13109570281517897720, ... (the reference MT19937-64 of
    Matsumoto & Nishimura, init_genrand64(5489)).
  * MT19937-64 is re-implemented below from the published algorithm and checked against both of these
    facts before anything is printed, so the words used are the standard's, not imitate's.
  * uniform() = (word >> 11) * 2^-53 and the Box-Muller normal() are the formulas documented in
    engine/rng.hpp: u1 = 1 - uniform() in (0,1], u2 = uniform(), r = sqrt(-2 ln u1),
    first normal = r cos(2 pi u2), second = r sin(2 pi u2).
  * derive_seed(base, index) = splitmix64(splitmix64(base) ^ splitmix64(index + 0x632BE59BD9B4E019)),
    splitmix64 being Vigna's (x += golden gamma; two xor-shift-multiply rounds; final xor-shift).

Run: python3 scripts/rng_golden.py   (pure Python, no packages)
"""
import math

M64 = (1 << 64) - 1


class MT19937_64:
    """Reference MT19937-64 (mt19937-64.c, init_genrand64 + genrand64_int64)."""
    NN, MM = 312, 156
    MATRIX_A = 0xB5026F5AA96619E9
    UM, LM = 0xFFFFFFFF80000000, 0x7FFFFFFF

    def __init__(self, seed=5489):
        self.mt = [0] * self.NN
        self.mt[0] = seed & M64
        for i in range(1, self.NN):
            prev = self.mt[i - 1]
            self.mt[i] = (6364136223846793005 * (prev ^ (prev >> 62)) + i) & M64
        self.mti = self.NN

    def next(self):
        if self.mti >= self.NN:
            mt, NN, MM = self.mt, self.NN, self.MM
            for i in range(NN):
                x = (mt[i] & self.UM) | (mt[(i + 1) % NN] & self.LM)
                xa = x >> 1
                if x & 1:
                    xa ^= self.MATRIX_A
                mt[i] = mt[(i + MM) % NN] ^ xa
            self.mti = 0
        x = self.mt[self.mti]
        self.mti += 1
        x ^= (x >> 29) & 0x5555555555555555
        x ^= (x << 17) & 0x71D67FFFEDA60000
        x ^= (x << 37) & 0xFFF7EEE000000000
        x ^= x >> 43
        return x & M64


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


def derive_seed(base, index):
    return splitmix64(splitmix64(base) ^ splitmix64((index + 0x632BE59BD9B4E019) & M64))


def uniform(word):
    return (word >> 11) * 2.0 ** -53


def main():
    g = MT19937_64(5489)
    words = [g.next() for _ in range(10000)]
    # The standard's and the reference's facts, checked before use.
    assert words[9999] == 9981545732273789042, words[9999]
    assert words[:3] == [14514284786278117030, 4620546740167642908, 13109570281517897720], words[:3]

    print("first words of mt19937_64(5489):")
    for w in words[:8]:
        print(f"  {w}ull")
    print("uniform() of words 0..3:")
    for w in words[:4]:
        print(f"  {uniform(w)!r}  (= {w >> 11} * 2^-53)")
    print("normal() pairs from words (0,1) and (2,3):")
    for k in (0, 2):
        u1 = 1.0 - uniform(words[k])
        u2 = uniform(words[k + 1])
        r = math.sqrt(-2.0 * math.log(u1))
        a = 2.0 * math.pi * u2
        print(f"  {r * math.cos(a)!r}, {r * math.sin(a)!r}")
    print("derive_seed:")
    for base, index in ((0, 0), (0, 1), (42, 7), (5489, 123456789)):
        print(f"  derive_seed({base}, {index}) = {derive_seed(base, index)}ull")


if __name__ == "__main__":
    main()
