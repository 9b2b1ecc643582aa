//! The golden replays: scenario, seed and action script. `golden.rs` pins their event-log
//! hashes natively and in wasm32; `reader.rs` checks the browser's replay reader on them.
//! Pure data, so the wasm test build can include it.

pub const CASES: &[(&str, u64, &str)] = &[
    ("seed-ami-trap", 1, ""),
    ("seed-ami-trap", 1, "at 02:00 create-image node-2"),
    ("seed-ami-trap", 2, "at 01:00 launch node-4 --image base\nat 03:00 setup node-4\nat 20:00 health\nat 20:00 cat-shards"),
    ("seed-ami-trap", 3, "at 02:00 create-image node-2 --no-reboot --name n2\nat 18:00 launch node-4 --image n2"),
    ("stuck-stopping", 4, "at 02:00 reboot node-2\nat 07:00 stop node-2\nat 12:00 force-stop node-2\nat 15:00 start node-2"),
    ("node-hang", 5, "at 06:00 reboot node-3"),
    ("disk-full", 7, "at 10:30 cat-allocation\nat 12:00 clean-logs node-2\nat 13:00 resize-volume node-2 --gib 200"),
    ("sandbox", 6, "at 00:10 allocation primaries\nat 00:20 reboot node-1\nat 05:00 allocation all\nat 08:00 stop node-1\nat 08:00 stop node-2\nat 12:00 start node-1"),
];
