//! Loose objects (`objects/xx/…`, zlib-compressed `type size\0body`) read by unleak's object
//! reader, then parsed as a commit and, if it is one, as a tree: arbitrary file bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unleak_scan::git::objects::Objects;
use unleak_scan::git::tree_diff::{TreeEntry, Trees};
use unleak_scan::git::ObjectId;

/// The loose object's name; its content is never checked against it (as in the reader).
const ID: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    // Mode bit 0: the input is already the file (zlib); else the object body, wrapped here.
    let file = if mode & 1 == 1 {
        rest.to_vec()
    } else {
        let kind = ["commit", "tree", "blob", "tag"][(mode as usize >> 1) % 4];
        let mut raw = format!("{kind} {}\0", rest.len()).into_bytes();
        raw.extend_from_slice(rest);
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut z, &raw).expect("compress");
        z.finish().expect("compress")
    };
    let dir = tempfile::tempdir().expect("a temp dir");
    let sub = dir.path().join(&ID[..2]);
    std::fs::create_dir(&sub).expect("object dir");
    std::fs::write(sub.join(&ID[2..]), &file).expect("write object");
    let objects = Objects::new(&[], dir.path());
    let mut reader = objects.reader();
    let oid = ObjectId::from_hex(ID.as_bytes()).expect("an id");
    let _ = reader.read(&oid);
    let _ = reader.commit(&oid);
    if let Some(tree) = reader.tree(oid) {
        let mut out: Vec<TreeEntry<'_>> = Vec::new();
        let _ = reader.entries(&tree, &mut out);
    }
});
