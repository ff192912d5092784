//! Tar-split: enough of a layer's tar stream, recorded while it is
//! unpacked, to rebuild the exact same tar (so the same diff ID) later from
//! the unpacked files — what `push` and `save` need for a pulled layer whose
//! compressed blob was not kept (docker and containers-storage keep the same
//! kind of record).
//!
//! The record is a gzip stream of segments: `R` + u32 length + bytes (tar
//! headers, PAX records, padding, the end blocks, and any data rcon did not
//! write to a file), and `F` + u32 path length + path + u64 size (a regular
//! file's content, read back from `diff/<path>` when rebuilding). A rebuilt
//! tar is checked against the diff ID by the caller: a layer that names the
//! same path twice cannot be rebuilt, and says so.

use std::cell::RefCell;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

/// Records segments while a tar stream is read through [`RecordingReader`].
pub struct Recorder {
    state: RefCell<State>,
}

struct State {
    out: flate2::write::GzEncoder<BufWriter<File>>,
    raw: Vec<u8>,
    /// Bytes of file content still expected (content mode when `Some`).
    content: Option<u64>,
    error: Option<std::io::Error>,
}

impl Recorder {
    /// Starts a record written to `path`.
    pub fn create(path: &Path) -> std::io::Result<Recorder> {
        let f = File::create(path)?;
        Ok(Recorder {
            state: RefCell::new(State {
                out: flate2::write::GzEncoder::new(BufWriter::new(f), flate2::Compression::fast()),
                raw: Vec::with_capacity(64 << 10),
                content: None,
                error: None,
            }),
        })
    }

    /// The next `size` bytes read are the content of the regular file at
    /// `path` (relative to the layer root, `/`-separated).
    pub fn file(&self, path: &[u8], size: u64) {
        let mut s = self.state.borrow_mut();
        s.flush_raw();
        let r = (|| {
            s.out.write_all(b"F")?;
            s.out.write_all(&u32::try_from(path.len()).unwrap_or(u32::MAX).to_le_bytes())?;
            s.out.write_all(path)?;
            s.out.write_all(&size.to_le_bytes())
        })();
        s.note(r);
        s.content = Some(size);
    }

    /// The file content ended (all of it, or the entry is abandoned: then
    /// the record is useless, which [`Recorder::finish`] reports).
    pub fn end_file(&self) {
        let mut s = self.state.borrow_mut();
        if let Some(left) = s.content.take()
            && left != 0
        {
            s.error.get_or_insert_with(|| std::io::Error::other("tar-split: file content not read to its end"));
        }
    }

    /// Writes the end marker and closes the file.
    pub fn finish(self) -> std::io::Result<()> {
        let mut s = self.state.into_inner();
        s.flush_raw();
        if let Some(e) = s.error.take() {
            return Err(e);
        }
        s.out.write_all(b"E")?;
        let w = s.out.finish()?;
        w.into_inner().map_err(|e| e.into_error())?.sync_data()
    }
}

impl State {
    fn note(&mut self, r: std::io::Result<()>) {
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }

    fn flush_raw(&mut self) {
        if self.raw.is_empty() {
            return;
        }
        let raw = std::mem::take(&mut self.raw);
        let r = (|| {
            self.out.write_all(b"R")?;
            self.out.write_all(&(raw.len() as u32).to_le_bytes())?;
            self.out.write_all(&raw)
        })();
        self.note(r);
        self.raw = raw;
        self.raw.clear();
    }
}

/// A reader that passes bytes through and tells the [`Recorder`] about them.
pub struct RecordingReader<'a, R> {
    /// The tar stream.
    pub inner: R,
    /// Where segments go.
    pub recorder: &'a Recorder,
}

impl<R: Read> Read for RecordingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut s = self.recorder.state.borrow_mut();
        let mut data = &buf[..n];
        if let Some(left) = s.content {
            let k = (left.min(data.len() as u64)) as usize;
            s.content = Some(left - k as u64);
            data = &data[k..];
            if !data.is_empty() {
                s.content = None; // Past the file content: back to raw.
            }
        }
        if !data.is_empty() {
            s.raw.extend_from_slice(data);
            if s.raw.len() >= 1 << 20 {
                s.flush_raw();
            }
        }
        Ok(n)
    }
}

/// Why a tar cannot be rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    /// The record or a file cannot be read.
    #[error("rebuilding layer tar from {path}: {source}")]
    Io {
        /// The record or file.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The record is malformed.
    #[error("rebuilding layer tar: corrupt tar-split record {0}")]
    Corrupt(std::path::PathBuf),
}

/// Writes the tar recorded in `record` to `out`, reading file contents from
/// `diff` (the unpacked layer). Returns the number of bytes written.
pub fn rebuild(record: &Path, diff: &Path, out: &mut dyn Write) -> Result<u64, SplitError> {
    use std::os::unix::ffi::OsStrExt;
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| SplitError::Io { path: p, source }
    };
    let f = File::open(record).map_err(io(record))?;
    let mut r = BufReader::new(flate2::read::GzDecoder::new(BufReader::new(f)));
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 << 10];
    loop {
        let mut tag = [0u8; 1];
        r.read_exact(&mut tag).map_err(io(record))?;
        match tag[0] {
            b'R' => {
                let mut len = [0u8; 4];
                r.read_exact(&mut len).map_err(io(record))?;
                let len = u64::from(u32::from_le_bytes(len));
                let n = std::io::copy(&mut (&mut r).take(len), out).map_err(io(record))?;
                if n != len {
                    return Err(SplitError::Corrupt(record.into()));
                }
                total += n;
            }
            b'F' => {
                let mut len = [0u8; 4];
                r.read_exact(&mut len).map_err(io(record))?;
                let mut path = vec![0u8; u32::from_le_bytes(len) as usize];
                r.read_exact(&mut path).map_err(io(record))?;
                let mut size = [0u8; 8];
                r.read_exact(&mut size).map_err(io(record))?;
                let size = u64::from_le_bytes(size);
                let p = diff.join(std::ffi::OsStr::from_bytes(&path));
                let mut file = File::open(&p).map_err(io(&p))?;
                let mut left = size;
                while left > 0 {
                    let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
                    let k = file.read(&mut buf[..want]).map_err(io(&p))?;
                    if k == 0 {
                        return Err(SplitError::Io {
                            path: p,
                            source: std::io::Error::new(
                                std::io::ErrorKind::UnexpectedEof,
                                "file is shorter than in the layer",
                            ),
                        });
                    }
                    out.write_all(&buf[..k]).map_err(io(&p))?;
                    left -= k as u64;
                }
                total += size;
            }
            b'E' => return Ok(total),
            _ => return Err(SplitError::Corrupt(record.into())),
        }
    }
}
