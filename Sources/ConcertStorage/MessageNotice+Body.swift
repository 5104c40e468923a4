import ConcertCore
import Crypto
import Foundation

extension MessageNotice {
    /// The notice of a message as it stands, with the SHA-256 of its body that puts the body
    /// under the hash chain.
    public init(
        _ record: MessageRecord, onlyAgencies: [String]? = nil, forward: Forward? = nil,
        acknowledgement: Acknowledgement? = nil
    ) {
        self.init(
            record, bodySha256: Hex.string(SHA256.hash(data: Data(record.message.body.utf8))),
            onlyAgencies: onlyAgencies, forward: forward, acknowledgement: acknowledgement)
    }

    /// The notice of a forward asked for or decided: told to the originator, the asker and
    /// the agency it concerns.
    public init(forwardOf forward: Forward, in record: MessageRecord) {
        self.init(record, onlyAgencies: Self.agenciesConcerned(by: forward, in: record), forward: forward)
    }
}
