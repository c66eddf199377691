//! A blocking reader of frame records, one read at a time.

use std::io::{self, Read};

use bytes::BytesMut;
use tokio_util::codec::Decoder;

use super::input::{InputEncoding, InputError, TextDecoder};
use super::{inspect_frame, FrameError, FrameRecord};
use crate::codec::{Framing, FramingError, Limits};
use crate::role::RoleKind;

/// How much is asked of the underlying reader at a time.
const READ_CHUNK: usize = 64 * 1024;

/// Where one frame ends and the next begins.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Boundaries {
    /// Each frame is a varint32 length, then that many bytes: a TCP byte stream.
    #[default]
    LengthPrefixed,
    /// The whole input is one frame body (zero bytes: a heartbeat), as a WebSocket message
    /// or a captured body is.
    WholeInput,
}

/// What a [`FrameReader`] reads and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReaderOptions {
    /// The end that receives the frames: a client reads notifications, a gateway requests.
    pub receiver: RoleKind,
    /// How frames are delimited.
    pub boundaries: Boundaries,
    /// How the input spells its bytes.
    pub encoding: InputEncoding,
    /// The largest frame accepted; a larger one is a framing error, found on its header
    /// (with [`Boundaries::WholeInput`], as soon as the input grows past it).
    pub max_frame: usize,
}

impl ReaderOptions {
    /// Length-prefixed binary frames as `receiver` receives them, with its inbound limit.
    pub fn new(receiver: RoleKind) -> ReaderOptions {
        ReaderOptions {
            receiver,
            boundaries: Boundaries::LengthPrefixed,
            encoding: InputEncoding::Binary,
            max_frame: receiver.limits().max_inbound_frame(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// More input may come.
    Reading,
    /// The input has ended; what is buffered is still to be decoded.
    Eof,
    /// Every record has been produced.
    Done,
}

/// Reads frames from a [`Read`] and turns each into a [`FrameRecord`] as soon as it is whole.
///
/// Drive it with [`next_buffered`](FrameReader::next_buffered) (records from what has been
/// read, no I/O) and [`read_more`](FrameReader::read_more) (one read), or use it as an
/// [`Iterator`]. Splitting the two lets a caller flush its output before it blocks on input,
/// so a slow producer sees its frames printed one by one.
///
/// Errors follow the two layers of the protocol: a message-layer error spoils one record and
/// the next frame follows; a framing or input error is the last record, produced as soon as
/// the bytes show it (after every frame before it). The buffer holds at most one frame plus
/// one read, since the framing refuses oversize frames on their header.
#[derive(Debug)]
pub struct FrameReader<R> {
    reader: R,
    options: ReaderOptions,
    framing: Framing,
    text: TextDecoder,
    scratch: Vec<u8>,
    buf: BytesMut,
    next_index: u64,
    state: State,
    input_error: Option<InputError>,
}

impl<R: Read> FrameReader<R> {
    /// A reader of `reader` with `options`.
    pub fn new(reader: R, options: ReaderOptions) -> FrameReader<R> {
        let max = options.max_frame;
        FrameReader {
            reader,
            options,
            framing: Framing::new(Limits::new(max, max)),
            text: TextDecoder::new(options.encoding),
            scratch: Vec::new(),
            buf: BytesMut::new(),
            next_index: 0,
            state: State::Reading,
            input_error: None,
        }
    }

    /// Numbers the records from `index` instead of 0: for inputs that continue a numbering,
    /// such as one message body per file.
    #[must_use]
    pub fn with_first_index(mut self, index: u64) -> FrameReader<R> {
        self.next_index = index;
        self
    }

    /// The index the next record will have.
    pub fn next_index(&self) -> u64 {
        self.next_index
    }

    /// The options in force.
    pub fn options(&self) -> ReaderOptions {
        self.options
    }

    /// Whether every record has been produced (nothing more will be read).
    pub fn is_finished(&self) -> bool {
        self.state == State::Done
    }

    /// The next record that the bytes read so far complete, without reading.
    pub fn next_buffered(&mut self) -> Option<FrameRecord> {
        if self.state == State::Done {
            return None;
        }
        let frame = match self.options.boundaries {
            Boundaries::LengthPrefixed => {
                // After broken text, the partial frame at its end is not a truncation: the
                // input error says why the stream ends.
                let decoded = if self.state == State::Eof && self.input_error.is_none() {
                    self.framing.decode_eof(&mut self.buf)
                } else {
                    self.framing.decode(&mut self.buf)
                };
                match decoded {
                    Ok(Some(frame)) => Some(frame),
                    Ok(None) => None,
                    Err(error) => return Some(self.last(FrameError::framing(&error))),
                }
            }
            Boundaries::WholeInput => {
                let max = self.options.max_frame;
                if self.buf.len() > max {
                    let error = FramingError::FrameTooLarge {
                        len: self.buf.len(),
                        max,
                    };
                    return Some(self.last(FrameError::framing(&error)));
                }
                if self.state == State::Eof && self.input_error.is_none() {
                    self.state = State::Done;
                    Some(self.buf.split().freeze())
                } else {
                    None
                }
            }
        };
        if let Some(frame) = frame {
            let index = self.take_index();
            return Some(inspect_frame(self.options.receiver, index, frame));
        }
        if let Some(error) = self.input_error.take() {
            return Some(self.last(FrameError::input(&error)));
        }
        if self.state == State::Eof {
            self.state = State::Done;
        }
        None
    }

    /// Reads once from the underlying reader (retrying when interrupted). At the end of input
    /// the reader moves on to delivering what is left.
    pub fn read_more(&mut self) -> io::Result<()> {
        if self.state != State::Reading {
            return Ok(());
        }
        if self.options.encoding == InputEncoding::Binary {
            // Read straight into the frame buffer.
            let start = self.buf.len();
            self.buf.resize(start + READ_CHUNK, 0);
            let read = read_retrying(&mut self.reader, &mut self.buf[start..]);
            self.buf.truncate(start + *read.as_ref().unwrap_or(&0));
            if read? == 0 {
                self.state = State::Eof;
            }
            return Ok(());
        }
        self.scratch.resize(READ_CHUNK, 0);
        let read = read_retrying(&mut self.reader, &mut self.scratch)?;
        let decoded = if read == 0 {
            self.state = State::Eof;
            self.text.finish(&mut self.buf)
        } else {
            self.text.decode(&self.scratch[..read], &mut self.buf)
        };
        if let Err(error) = decoded {
            // Frames already spelled are delivered first; the error ends the input.
            self.input_error = Some(error);
            self.state = State::Eof;
        }
        Ok(())
    }

    fn take_index(&mut self) -> u64 {
        let index = self.next_index;
        self.next_index += 1;
        index
    }

    /// The final record: an error after which nothing is read.
    fn last(&mut self, error: FrameError) -> FrameRecord {
        self.state = State::Done;
        self.buf = BytesMut::new();
        let index = self.take_index();
        FrameRecord::failed(index, error)
    }
}

fn read_retrying(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

impl<R: Read> Iterator for FrameReader<R> {
    type Item = io::Result<FrameRecord>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(record) = self.next_buffered() {
                return Some(Ok(record));
            }
            if self.is_finished() {
                return None;
            }
            if let Err(error) = self.read_more() {
                self.state = State::Done;
                return Some(Err(error));
            }
        }
    }
}
