//! unleak's own pack reader (`pack.rs`) and object reader (`objects.rs`) on an arbitrary
//! `.idx` and `.pack` pair: open, decode every wanted blob along its delta chains, and read
//! every object the index names. Input: a little-endian u16 length of the index, the index,
//! then the pack.
#![no_main]

use std::sync::Mutex;

use libfuzzer_sys::fuzz_target;
use unleak_scan::git::objects::Objects;
use unleak_scan::git::pack::Pack;
use unleak_scan::git::ObjectId;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let idx_len = (u16::from_le_bytes([data[0], data[1]]) as usize).min(data.len() - 2);
    let (idx, pack) = data[2..].split_at(idx_len);
    let dir = tempfile::tempdir().expect("a temp dir");
    let pack_dir = dir.path().join("pack");
    std::fs::create_dir(&pack_dir).expect("pack dir");
    let idx_path = pack_dir.join("pack-f.idx");
    let pack_path = pack_dir.join("pack-f.pack");
    std::fs::write(&idx_path, idx).expect("write idx");
    std::fs::write(&pack_path, pack).expect("write pack");
    let Ok(p) = Pack::open(&idx_path, &pack_path) else {
        return;
    };
    let ids: Mutex<Vec<ObjectId>> = Mutex::new(Vec::new());
    let want = |id: &ObjectId| {
        let mut ids = ids.lock().unwrap();
        ids.push(*id);
        Some(ids.len() - 1)
    };
    let _ = p.decode_wanted(&want, 1 << 20, &|_, _| {});
    let packs = [p];
    let objects = Objects::new(&packs, dir.path());
    let mut reader = objects.reader();
    for id in ids.into_inner().unwrap() {
        let _ = reader.read(&id);
        let _ = reader.commit(&id);
    }
});
