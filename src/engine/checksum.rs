//! Checksums appended to payloads at send time and checked on received messages: `sum8`,
//! `xor8` and six catalogue CRCs (from the `crc` crate), each written in the byte order it
//! is conventionally sent in.
//!
//! | name | catalogue entry | bytes | order |
//! | --- | --- | --- | --- |
//! | `sum8` | sum of the bytes mod 256 | 1 | — |
//! | `xor8` | XOR of the bytes | 1 | — |
//! | `crc8` | CRC-8/SMBUS | 1 | — |
//! | `crc16-modbus` | CRC-16/MODBUS | 2 | low byte first (as Modbus RTU sends it) |
//! | `crc16-ccitt` | CRC-16/IBM-3740 ("CCITT-FALSE") | 2 | high byte first |
//! | `crc16-xmodem` | CRC-16/XMODEM | 2 | high byte first (as XMODEM sends it) |
//! | `crc32` | CRC-32/ISO-HDLC (zlib, Ethernet) | 4 | low byte first (as Ethernet and zip store it) |
//! | `crc32c` | CRC-32/ISCSI (Castagnoli) | 4 | low byte first (as iSCSI and SCTP send it) |

use std::fmt;

use crc::{
    CRC_8_SMBUS, CRC_16_IBM_3740, CRC_16_MODBUS, CRC_16_XMODEM, CRC_32_ISCSI, CRC_32_ISO_HDLC, Crc,
};

/// One checksum algorithm of the catalogue above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Checksum {
    /// Sum of the bytes, modulo 256.
    Sum8,
    /// XOR of the bytes.
    Xor8,
    /// CRC-8/SMBUS.
    Crc8,
    /// CRC-16/MODBUS, low byte first.
    Crc16Modbus,
    /// CRC-16/IBM-3740 (CCITT-FALSE), high byte first.
    Crc16Ccitt,
    /// CRC-16/XMODEM, high byte first.
    Crc16Xmodem,
    /// CRC-32/ISO-HDLC, low byte first.
    Crc32,
    /// CRC-32/ISCSI (CRC-32C), low byte first.
    Crc32c,
}

const CRC8: Crc<u8> = Crc::<u8>::new(&CRC_8_SMBUS);
const MODBUS: Crc<u16> = Crc::<u16>::new(&CRC_16_MODBUS);
const CCITT: Crc<u16> = Crc::<u16>::new(&CRC_16_IBM_3740);
const XMODEM: Crc<u16> = Crc::<u16>::new(&CRC_16_XMODEM);
const CRC32: Crc<u32> = Crc::<u32>::new(&CRC_32_ISO_HDLC);
const CRC32C: Crc<u32> = Crc::<u32>::new(&CRC_32_ISCSI);

impl Checksum {
    /// Every algorithm, in the order of the table.
    pub const ALL: [Checksum; 8] = [
        Checksum::Sum8,
        Checksum::Xor8,
        Checksum::Crc8,
        Checksum::Crc16Modbus,
        Checksum::Crc16Ccitt,
        Checksum::Crc16Xmodem,
        Checksum::Crc32,
        Checksum::Crc32c,
    ];

    /// The name the command language uses (`crc16-modbus`).
    pub fn name(self) -> &'static str {
        match self {
            Checksum::Sum8 => "sum8",
            Checksum::Xor8 => "xor8",
            Checksum::Crc8 => "crc8",
            Checksum::Crc16Modbus => "crc16-modbus",
            Checksum::Crc16Ccitt => "crc16-ccitt",
            Checksum::Crc16Xmodem => "crc16-xmodem",
            Checksum::Crc32 => "crc32",
            Checksum::Crc32c => "crc32c",
        }
    }

    /// The algorithm of a name, or `None`.
    pub fn from_name(name: &str) -> Option<Checksum> {
        Checksum::ALL.into_iter().find(|c| c.name() == name)
    }

    /// How many bytes the checksum takes on the wire.
    pub fn width(self) -> usize {
        match self {
            Checksum::Sum8 | Checksum::Xor8 | Checksum::Crc8 => 1,
            Checksum::Crc16Modbus | Checksum::Crc16Ccitt | Checksum::Crc16Xmodem => 2,
            Checksum::Crc32 | Checksum::Crc32c => 4,
        }
    }

    /// The checksum's value as a number (as catalogues print their check values).
    pub fn value(self, data: &[u8]) -> u32 {
        match self {
            Checksum::Sum8 => u32::from(data.iter().fold(0u8, |a, &b| a.wrapping_add(b))),
            Checksum::Xor8 => u32::from(data.iter().fold(0u8, |a, &b| a ^ b)),
            Checksum::Crc8 => u32::from(CRC8.checksum(data)),
            Checksum::Crc16Modbus => u32::from(MODBUS.checksum(data)),
            Checksum::Crc16Ccitt => u32::from(CCITT.checksum(data)),
            Checksum::Crc16Xmodem => u32::from(XMODEM.checksum(data)),
            Checksum::Crc32 => CRC32.checksum(data),
            Checksum::Crc32c => CRC32C.checksum(data),
        }
    }

    /// The checksum's bytes in the order they are sent.
    pub fn bytes(self, data: &[u8]) -> Vec<u8> {
        let v = self.value(data);
        match self {
            Checksum::Sum8 | Checksum::Xor8 | Checksum::Crc8 => vec![v as u8],
            Checksum::Crc16Modbus => (v as u16).to_le_bytes().to_vec(),
            Checksum::Crc16Ccitt | Checksum::Crc16Xmodem => (v as u16).to_be_bytes().to_vec(),
            Checksum::Crc32 | Checksum::Crc32c => v.to_le_bytes().to_vec(),
        }
    }

    /// `data` followed by its checksum.
    pub fn append(self, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() + self.width());
        out.extend_from_slice(data);
        out.extend_from_slice(&self.bytes(data));
        out
    }

    /// Whether the message's last bytes are the checksum of the bytes before them; a
    /// message no longer than the checksum is not a match.
    pub fn trailer_ok(self, msg: &[u8]) -> bool {
        let w = self.width();
        if msg.len() <= w {
            return false;
        }
        let (body, tail) = msg.split_at(msg.len() - w);
        self.bytes(body) == tail
    }

    /// The algorithms whose checksum the message ends with, for a log row's detail.
    pub fn matching(msg: &[u8]) -> Vec<Checksum> {
        Checksum::ALL
            .into_iter()
            .filter(|c| c.trailer_ok(msg))
            .collect()
    }

    /// The names, for errors: `sum8, xor8, …`.
    pub fn names() -> String {
        Checksum::ALL.map(Checksum::name).join(", ")
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Checksum {
    type Err = String;

    fn from_str(s: &str) -> Result<Checksum, String> {
        Checksum::from_name(s)
            .ok_or_else(|| format!("a checksum ({}), not {s:?}", Checksum::names()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The "123456789" check values: the CRC catalogue's (reveng) for the CRCs, the plain
    /// sum (0x1DD mod 256) and XOR for the 8-bit ones.
    #[test]
    fn check_values_of_123456789_match_the_catalogue() {
        let want: [(Checksum, u32, &[u8]); 8] = [
            (Checksum::Sum8, 0xDD, &[0xDD]),
            (Checksum::Xor8, 0x31, &[0x31]),
            (Checksum::Crc8, 0xF4, &[0xF4]),
            (Checksum::Crc16Modbus, 0x4B37, &[0x37, 0x4B]),
            (Checksum::Crc16Ccitt, 0x29B1, &[0x29, 0xB1]),
            (Checksum::Crc16Xmodem, 0x31C3, &[0x31, 0xC3]),
            (Checksum::Crc32, 0xCBF4_3926, &[0x26, 0x39, 0xF4, 0xCB]),
            (Checksum::Crc32c, 0xE306_9283, &[0x83, 0x92, 0x06, 0xE3]),
        ];
        for (alg, value, bytes) in want {
            assert_eq!(alg.value(b"123456789"), value, "{alg}");
            assert_eq!(alg.bytes(b"123456789"), bytes, "{alg} on the wire");
            assert_eq!(alg.width(), bytes.len(), "{alg}");
            assert_eq!(alg.to_string().parse::<Checksum>(), Ok(alg));
        }
        assert!("crc99".parse::<Checksum>().is_err());
    }

    #[test]
    fn modbus_read_request_gets_its_crc_low_byte_first() {
        let frame = [0x01, 0x03, 0x00, 0x00, 0x00, 0x01];
        assert_eq!(
            Checksum::Crc16Modbus.append(&frame),
            [0x01, 0x03, 0x00, 0x00, 0x00, 0x01, 0x84, 0x0a]
        );
    }

    #[test]
    fn a_trailer_is_checked_against_the_bytes_before_it() {
        let good = Checksum::Crc16Modbus.append(b"\x01\x03\x00\x00\x00\x01");
        assert!(Checksum::Crc16Modbus.trailer_ok(&good));
        assert!(Checksum::matching(&good).contains(&Checksum::Crc16Modbus));
        let mut bad = good.clone();
        bad[1] ^= 0xff;
        assert!(!Checksum::Crc16Modbus.trailer_ok(&bad));
        assert!(
            !Checksum::Crc32.trailer_ok(b"abc"),
            "shorter than the checksum"
        );
    }
}
