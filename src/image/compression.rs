//! Layer decompression: a reader over a compressed layer blob that yields
//! the tar stream, for gzip (flate2, multi-member) and zstd (ruzstd, a
//! pure-Rust decoder; every frame of the blob in turn, skippable frames such
//! as zstd:chunked's metadata skipped, frame checksums verified).

use super::Compression;
use ruzstd::decoding::errors::{FrameDecoderError, ReadFrameHeaderError};
use ruzstd::decoding::{BlockDecodingStrategy, FrameDecoder};
use std::io::{BufRead, BufReader, Read};

/// A reader of the decompressed stream of `inner`.
pub fn decompressor<'a, R: Read + 'a>(inner: R, compression: Compression) -> Box<dyn Read + 'a> {
    match compression {
        Compression::None => Box::new(inner),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(inner)),
        Compression::Zstd => Box::new(ZstdReader::new(inner)),
    }
}

/// Decodes a zstd stream of one or more frames (RFC 8878).
pub struct ZstdReader<R> {
    src: BufReader<R>,
    dec: FrameDecoder,
    /// A frame is being decoded.
    in_frame: bool,
}

impl<R: Read> ZstdReader<R> {
    /// A decoder reading compressed bytes from `inner`.
    pub fn new(inner: R) -> Self {
        ZstdReader { src: BufReader::with_capacity(64 << 10, inner), dec: FrameDecoder::new(), in_frame: false }
    }

    /// Starts the next frame, skipping skippable frames; `false` at the end.
    fn next_frame(&mut self) -> std::io::Result<bool> {
        loop {
            if self.src.fill_buf()?.is_empty() {
                return Ok(false);
            }
            match self.dec.reset(&mut self.src) {
                Ok(()) => return Ok(true),
                Err(FrameDecoderError::ReadFrameHeaderError(ReadFrameHeaderError::SkipFrame { length, .. })) => {
                    let skipped = std::io::copy(&mut (&mut self.src).take(u64::from(length)), &mut std::io::sink())?;
                    if skipped != u64::from(length) {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "zstd: truncated skippable frame",
                        ));
                    }
                }
                Err(e) => return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, format!("zstd: {e}"))),
            }
        }
    }
}

impl<R: Read> Read for ZstdReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.dec.can_collect() > 0 {
                return self.dec.read(buf);
            }
            if self.in_frame && !self.dec.is_finished() {
                self.dec
                    .decode_blocks(&mut self.src, BlockDecodingStrategy::UptoBytes(256 << 10))
                    .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("zstd: {e}")))?;
                continue;
            }
            if self.in_frame {
                // The frame is complete: check its checksum when it has one.
                if let (Some(want), Some(got)) = (self.dec.get_checksum_from_data(), self.dec.get_calculated_checksum())
                    && want != got
                {
                    return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "zstd: frame checksum mismatch"));
                }
                self.in_frame = false;
            }
            if !self.next_frame()? {
                return Ok(0);
            }
            self.in_frame = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zstd_frames_and_skippable_frames() {
        use ruzstd::encoding::{CompressionLevel, compress_to_vec};
        let a: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let b = b"second frame".to_vec();
        let mut blob = compress_to_vec(&a[..], CompressionLevel::Fastest);
        // A skippable frame (magic 0x184D2A50, 4-byte length) between two frames.
        blob.extend_from_slice(&0x184D_2A50u32.to_le_bytes());
        blob.extend_from_slice(&3u32.to_le_bytes());
        blob.extend_from_slice(b"xyz");
        blob.extend_from_slice(&compress_to_vec(&b[..], CompressionLevel::Fastest));
        let mut out = Vec::new();
        decompressor(&blob[..], Compression::Zstd).read_to_end(&mut out).unwrap();
        let mut want = a.clone();
        want.extend_from_slice(&b);
        assert_eq!(out, want);
        let mut bad = blob.clone();
        bad.truncate(blob.len() / 2);
        assert!(decompressor(&bad[..], Compression::Zstd).read_to_end(&mut Vec::new()).is_err());
    }
}
