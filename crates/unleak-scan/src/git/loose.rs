//! Loose object files (`objects/ab/cdef…`: zlib of `<type> <size>\0<data>`) read here, bounded
//! by their header's size. libgit2 1.9.7 spins forever on a damaged loose object whose data
//! inflates past its header's size (found by the mutation test and the fuzz targets), so no
//! loose object reaches libgit2 before it has been read through here.

use std::path::Path;

use crate::git::ObjectId;

/// What the loose file of a blob holds.
pub enum Loose {
    /// No loose file of that id here (packed, in an alternate, or missing): ask libgit2.
    Absent,
    Blob(Vec<u8>),
    TooLarge(u64),
    Damaged(String),
}

/// The loose file of object `id`, opened for inflating, or None when there is none.
pub fn open(
    objects_dir: &Path,
    id: ObjectId,
) -> std::io::Result<Option<flate2::read::ZlibDecoder<std::io::BufReader<std::fs::File>>>> {
    let hex = id.to_string();
    match std::fs::File::open(objects_dir.join(&hex[..2]).join(&hex[2..])) {
        Ok(f) => Ok(Some(flate2::read::ZlibDecoder::new(
            std::io::BufReader::new(f),
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// A loose object's header, `<type> <size>\0`: the type and the size.
pub fn header(z: &mut impl std::io::Read) -> std::result::Result<(String, u64), String> {
    let mut head = Vec::with_capacity(32);
    let mut byte = [0u8; 1];
    loop {
        match z.read(&mut byte) {
            Ok(1) if byte[0] == 0 => break,
            Ok(1) if head.len() < 32 => head.push(byte[0]),
            Ok(_) => return Err("no object header".into()),
            Err(e) => return Err(e.to_string()),
        }
    }
    let text = std::str::from_utf8(&head).map_err(|_| "bad object header".to_string())?;
    let (kind, size) = text.split_once(' ').ok_or("bad object header")?;
    let size = size
        .parse::<u64>()
        .ok()
        .filter(|_| size.bytes().all(|b| b.is_ascii_digit()))
        .ok_or("bad size in the object header")?;
    Ok((kind.to_string(), size))
}

/// Read up to `size + 1` bytes of `z` into `out`: exactly `size` is a whole object.
pub fn body(
    z: &mut impl std::io::Read,
    size: u64,
    out: &mut impl std::io::Write,
) -> std::result::Result<(), String> {
    use std::io::Read;
    let n = std::io::copy(&mut z.take(size + 1), out).map_err(|e| e.to_string())?;
    match n.cmp(&size) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Greater => Err(format!("more data than the header's {size} bytes")),
        std::cmp::Ordering::Less => Err(format!("less data than the header's {size} bytes")),
    }
}

/// Read the loose object `id` of `objects_dir` as a blob: `blob <size>\0` then exactly `size`
/// bytes. Nothing past `max` is inflated.
pub fn read_blob(objects_dir: &Path, id: ObjectId, max: u64) -> Loose {
    let mut z = match open(objects_dir, id) {
        Ok(Some(z)) => z,
        Ok(None) => return Loose::Absent,
        Err(e) => return Loose::Damaged(e.to_string()),
    };
    let size = match header(&mut z) {
        Ok((kind, size)) if kind == "blob" => size,
        Ok((kind, _)) => return Loose::Damaged(format!("a {kind}, not a blob")),
        Err(why) => return Loose::Damaged(why),
    };
    if size > max {
        return Loose::TooLarge(size);
    }
    let mut data = Vec::with_capacity(size as usize);
    match body(&mut z, size, &mut data) {
        Ok(()) => Loose::Blob(data),
        Err(why) => Loose::Damaged(why),
    }
}

/// Why the loose file of `id` in `objects_dir` is damaged, if it is: read through, in
/// constant memory, before libgit2 may read it, since libgit2 1.9.7 spins forever on some
/// damaged loose objects (a ref's tip, a commit, a tree). None when there is no loose file
/// (packed objects are checked by `pack.rs`) or it is whole.
pub fn damage(objects_dir: &Path, id: ObjectId) -> Option<String> {
    let mut z = match open(objects_dir, id) {
        Ok(Some(z)) => z,
        Ok(None) => return None,
        Err(e) => return Some(e.to_string()),
    };
    let checked = header(&mut z).and_then(|(_, size)| body(&mut z, size, &mut std::io::sink()));
    checked
        .err()
        .map(|why| format!("damaged loose object ({why})"))
}
