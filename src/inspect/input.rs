//! Hex and base64 input, decoded as it arrives.
//!
//! Captured frames are often pasted as text. [`TextDecoder`] turns text into bytes chunk by
//! chunk, whatever the chunk boundaries (a hex pair or a base64 group may straddle two reads),
//! ignoring ASCII whitespace anywhere. Errors carry the byte offset of the offending character
//! in the text, and every byte decoded before it has already been written out.
//!
//! The decoders are written out by hand rather than taken from a block decoder: they hold at
//! most one partial group between reads and report exact offsets, which a block decoder does
//! not when its input is split arbitrarily.

use core::fmt;

use bytes::{BufMut, BytesMut};

/// How the input spells the bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum InputEncoding {
    /// The bytes themselves.
    #[default]
    Binary,
    /// Two hexadecimal digits per byte, either case.
    Hex,
    /// Standard base64 (RFC 4648 §4), with or without `=` padding.
    Base64,
}

impl InputEncoding {
    /// The name used in messages and on the command line.
    pub const fn as_str(self) -> &'static str {
        match self {
            InputEncoding::Binary => "binary",
            InputEncoding::Hex => "hex",
            InputEncoding::Base64 => "base64",
        }
    }
}

impl fmt::Display for InputEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Text that does not spell bytes in its encoding.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InputError {
    /// A character outside the encoding's alphabet (and not whitespace).
    #[error("invalid {encoding} character {byte:#04x} at offset {offset}")]
    InvalidCharacter {
        /// The encoding being read.
        encoding: InputEncoding,
        /// The offending byte.
        byte: u8,
        /// Its offset in the text.
        offset: u64,
    },
    /// The text ended inside a group: an odd number of hex digits, or a single base64
    /// character (or an unfinished `=` padding) at the end.
    #[error("{encoding} input ends inside a group of {chars} character(s)")]
    Incomplete {
        /// The encoding being read.
        encoding: InputEncoding,
        /// How many characters of the last group there were.
        chars: u8,
    },
    /// A base64 character after the `=` padding that ends the data.
    #[error("base64 data after padding at offset {offset}")]
    DataAfterPadding {
        /// Offset of the first character after the padding.
        offset: u64,
    },
}

impl InputError {
    /// A stable snake_case identifier of the variant.
    pub const fn kind_name(&self) -> &'static str {
        match self {
            InputError::InvalidCharacter { .. } => "invalid_character",
            InputError::Incomplete { .. } => "incomplete_group",
            InputError::DataAfterPadding { .. } => "data_after_padding",
        }
    }
}

/// Decodes hex or base64 text incrementally (binary input passes through unchanged).
#[derive(Clone, Debug)]
pub struct TextDecoder {
    encoding: InputEncoding,
    /// Offset of the next input byte in the whole text.
    offset: u64,
    /// Bits of the group in progress (hex: one nibble; base64: up to three sextets).
    acc: u32,
    /// Characters of the group in progress.
    chars: u8,
    /// `=` characters seen in the base64 group in progress.
    pads: u8,
    /// The base64 data has ended with padding.
    ended: bool,
    /// An error was reported; the decoder refuses further input.
    failed: Option<InputError>,
}

/// The value of a base64 character, or 0xff.
const BASE64_VALUES: [u8; 256] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut table = [0xff; 256];
    let mut i = 0;
    while i < alphabet.len() {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

impl TextDecoder {
    /// A decoder for `encoding`.
    pub fn new(encoding: InputEncoding) -> TextDecoder {
        TextDecoder {
            encoding,
            offset: 0,
            acc: 0,
            chars: 0,
            pads: 0,
            ended: false,
            failed: None,
        }
    }

    /// The encoding being read.
    pub fn encoding(&self) -> InputEncoding {
        self.encoding
    }

    /// Appends the bytes that `text` (the next piece of the input) spells to `out`.
    ///
    /// On error, `out` holds every byte spelled before the offending character; the error is
    /// repeated on every later call.
    pub fn decode(&mut self, text: &[u8], out: &mut BytesMut) -> Result<(), InputError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let result = match self.encoding {
            InputEncoding::Binary => {
                out.extend_from_slice(text);
                self.offset += text.len() as u64;
                Ok(())
            }
            InputEncoding::Hex => self.decode_hex(text, out),
            InputEncoding::Base64 => {
                out.reserve(text.len() / 4 * 3 + 3);
                self.decode_base64(text, out)
            }
        };
        self.remember(result)
    }

    /// Ends the input: appends the bytes of a last unpadded base64 group, or reports a group
    /// left incomplete.
    pub fn finish(&mut self, out: &mut BytesMut) -> Result<(), InputError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let result = match self.encoding {
            InputEncoding::Binary => Ok(()),
            InputEncoding::Hex if self.chars == 0 => Ok(()),
            InputEncoding::Base64 if self.chars == 0 => Ok(()),
            InputEncoding::Base64 if self.pads == 0 && self.chars >= 2 => {
                self.flush_base64_group(out);
                Ok(())
            }
            encoding => Err(InputError::Incomplete {
                encoding,
                chars: self.chars + self.pads,
            }),
        };
        self.remember(result)
    }

    fn remember(&mut self, result: Result<(), InputError>) -> Result<(), InputError> {
        if let Err(error) = &result {
            self.failed = Some(error.clone());
        }
        result
    }

    fn invalid(&self, byte: u8, at: usize) -> InputError {
        InputError::InvalidCharacter {
            encoding: self.encoding,
            byte,
            offset: self.offset + at as u64,
        }
    }

    fn decode_hex(&mut self, text: &[u8], out: &mut BytesMut) -> Result<(), InputError> {
        out.reserve(text.len() / 2 + 1);
        for (at, &byte) in text.iter().enumerate() {
            let nibble = match byte {
                b'0'..=b'9' => byte - b'0',
                b'a'..=b'f' => byte - b'a' + 10,
                b'A'..=b'F' => byte - b'A' + 10,
                _ if is_space(byte) => continue,
                _ => return Err(self.invalid(byte, at)),
            };
            if self.chars == 0 {
                self.acc = u32::from(nibble);
                self.chars = 1;
            } else {
                out.put_u8(((self.acc as u8) << 4) | nibble);
                self.chars = 0;
            }
        }
        self.offset += text.len() as u64;
        Ok(())
    }

    fn decode_base64(&mut self, text: &[u8], out: &mut BytesMut) -> Result<(), InputError> {
        for (at, &byte) in text.iter().enumerate() {
            if is_space(byte) {
                continue;
            }
            if self.ended {
                return Err(InputError::DataAfterPadding {
                    offset: self.offset + at as u64,
                });
            }
            if byte == b'=' {
                // Padding may only follow two or three characters of a group.
                if self.chars < 2 {
                    return Err(self.invalid(byte, at));
                }
                self.pads += 1;
                if self.chars + self.pads == 4 {
                    self.flush_base64_group(out);
                    self.ended = true;
                }
                continue;
            }
            let value = BASE64_VALUES[byte as usize];
            if value == 0xff || self.pads > 0 {
                return Err(self.invalid(byte, at));
            }
            self.acc = (self.acc << 6) | u32::from(value);
            self.chars += 1;
            if self.chars == 4 {
                out.put_slice(&self.acc.to_be_bytes()[1..]);
                self.acc = 0;
                self.chars = 0;
            }
        }
        self.offset += text.len() as u64;
        Ok(())
    }

    /// Writes the bytes of a group of 2 or 3 characters (the bits left over are dropped).
    fn flush_base64_group(&mut self, out: &mut BytesMut) {
        match self.chars {
            2 => out.put_u8((self.acc >> 4) as u8),
            3 => out.put_slice(&((self.acc >> 2) as u16).to_be_bytes()),
            _ => {}
        }
        self.acc = 0;
        self.chars = 0;
        self.pads = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(
        encoding: InputEncoding,
        text: &[u8],
        piece: usize,
    ) -> Result<Vec<u8>, (Vec<u8>, InputError)> {
        let mut decoder = TextDecoder::new(encoding);
        let mut out = BytesMut::new();
        for chunk in text.chunks(piece.max(1)) {
            if let Err(e) = decoder.decode(chunk, &mut out) {
                return Err((out.to_vec(), e));
            }
        }
        match decoder.finish(&mut out) {
            Ok(()) => Ok(out.to_vec()),
            Err(e) => Err((out.to_vec(), e)),
        }
    }

    #[test]
    fn hex_with_whitespace_in_any_pieces() {
        let text = b" 0a 1B\n2c\r\n\t3D ff\n";
        for piece in 1..text.len() {
            assert_eq!(
                decode_in_pieces(InputEncoding::Hex, text, piece).unwrap(),
                [0x0a, 0x1b, 0x2c, 0x3d, 0xff],
                "piece {piece}"
            );
        }
        // Whitespace inside a pair is ignored too.
        assert_eq!(
            decode_in_pieces(InputEncoding::Hex, b"0 a", 1).unwrap(),
            [0x0a]
        );
    }

    #[test]
    fn hex_errors_keep_what_came_before() {
        let (out, error) = decode_in_pieces(InputEncoding::Hex, b"0a 1g", 2).unwrap_err();
        assert_eq!(out, [0x0a]);
        assert_eq!(
            error,
            InputError::InvalidCharacter {
                encoding: InputEncoding::Hex,
                byte: b'g',
                offset: 4
            }
        );
        let (out, error) = decode_in_pieces(InputEncoding::Hex, b"0a1\n", 3).unwrap_err();
        assert_eq!(out, [0x0a]);
        assert_eq!(error.kind_name(), "incomplete_group");
    }

    #[test]
    fn base64_padded_unpadded_and_split() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"", b""),
            (b"AA==", b"\x00"),
            (b"AAE=", b"\x00\x01"),
            (b"AAEC", b"\x00\x01\x02"),
            (b"AAECAw==\n", b"\x00\x01\x02\x03"),
            (b"AAECAw", b"\x00\x01\x02\x03"),
            (b"AAECAwQ", b"\x00\x01\x02\x03\x04"),
            (b" AA EC\r\nAw Q= \n", b"\x00\x01\x02\x03\x04"),
            (b"+/+/", b"\xfb\xff\xbf"),
        ];
        for &(text, bytes) in cases {
            for piece in 1..=text.len().max(1) {
                assert_eq!(
                    decode_in_pieces(InputEncoding::Base64, text, piece).unwrap(),
                    bytes,
                    "{:?} piece {piece}",
                    String::from_utf8_lossy(text)
                );
            }
        }
    }

    #[test]
    fn base64_errors() {
        let kind = |text: &[u8]| {
            decode_in_pieces(InputEncoding::Base64, text, 3)
                .unwrap_err()
                .1
                .kind_name()
        };
        assert_eq!(kind(b"AAEC-A=="), "invalid_character");
        assert_eq!(kind(b"A==="), "invalid_character");
        assert_eq!(kind(b"AA=A"), "invalid_character");
        assert_eq!(kind(b"AA==AA=="), "data_after_padding");
        assert_eq!(kind(b"AAECA"), "incomplete_group");
        assert_eq!(kind(b"AA="), "incomplete_group");
        let (out, error) = decode_in_pieces(InputEncoding::Base64, b"AAEC AAE!", 4).unwrap_err();
        assert_eq!(out, [0, 1, 2]);
        assert_eq!(
            error,
            InputError::InvalidCharacter {
                encoding: InputEncoding::Base64,
                byte: b'!',
                offset: 8
            }
        );
    }

    #[test]
    fn binary_passes_through() {
        assert_eq!(
            decode_in_pieces(InputEncoding::Binary, b"\x00 \xff", 2).unwrap(),
            b"\x00 \xff"
        );
    }
}
