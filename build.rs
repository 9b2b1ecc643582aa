//! Names the scenario pack the game fetches at start: `scenarios-<hash>.txt`, the 64-bit
//! FNV-1a of `scenarios/builtin.txt` in 16 hex digits, the shape of Trunk's content hashes,
//! so that `drill serve` caches it as immutable and a deploy never pairs new code with old
//! scenarios. Trunk's post-build hook (`e2e/scenarios.mjs`) copies the file into dist under
//! the same name (the same hash in JavaScript); `e2e/bundle.mjs` fails if the two disagree.

fn main() {
    let path = "scenarios/builtin.txt";
    println!("cargo:rerun-if-changed={path}");
    let bytes = std::fs::read(path).expect("scenarios/builtin.txt (written by the sim's tests)");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    println!("cargo:rustc-env=QD_SCENARIOS_FILE=scenarios-{hash:016x}.txt");
}
