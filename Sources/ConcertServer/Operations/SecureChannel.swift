import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOHTTP2
import NIOSSL
import NIOTLS

/// Concert's connections over TLS: the client and server agree on the protocol in the
/// handshake (ALPN): HTTP/2 for the pages, the API and the event stream, many requests on one
/// connection; HTTP/1.1 for the clients that ask for it and for the live feed's WebSocket,
/// which HTTP/2 does not carry (browsers open it on a connection of HTTP/1.1 of its own).
struct SecureChannel: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<NIONegotiatedHTTPVersion<LiveServerChannel.Value, HTTP2Channel.Value>>
        let channel: any Channel
    }

    let context: NIOSSLContext
    let http1: LiveServerChannel
    let http2: HTTP2Channel

    /// Wraps Concert's HTTP/1.1 channel in TLS, with HTTP/2 beside it; the configuration's
    /// protocols are set here (`h2`, then `http/1.1`).
    init(tls: TLSConfiguration, http1: LiveServerChannel, http2Idle: Duration?) throws {
        var tls = tls
        tls.applicationProtocols = ["h2", "http/1.1"]
        context = try NIOSSLContext(configuration: tls)
        self.http1 = http1
        self.http2 = HTTP2Channel(
            responder: http1.routes,
            configuration: .init(idleTimeout: http2Idle ?? .seconds(60), gracefulCloseTimeout: nil, maxAgeTimeout: nil))
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let http1 = self.http1
        let http2 = self.http2
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
            let negotiation = NIOTypedApplicationProtocolNegotiationHandler<
                NIONegotiatedHTTPVersion<LiveServerChannel.Value, HTTP2Channel.Value>
            > { result in
                switch result {
                case .negotiated("h2"):
                    return http2.setup(channel: channel, logger: logger).map { .http2($0) }
                case .negotiated("http/1.1"), .fallback:
                    return http1.setup(channel: channel, logger: logger).map { .http1_1($0) }
                case .negotiated:
                    return channel.close().flatMap {
                        channel.eventLoop.makeFailedFuture(NIOHTTP2Errors.invalidALPNToken())
                    }
                }
            }
            try channel.pipeline.syncOperations.addHandler(negotiation)
            return Value(negotiated: negotiation.protocolNegotiationResult, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .http1_1(let connection): await http1.handle(value: connection, logger: logger)
            case .http2(let connection): await http2.handle(value: connection, logger: logger)
            }
        } catch {
            // A failed handshake: the client was told by TLS; nothing for the operator.
            logger.debug("TLS connection failed: \(error)")
        }
    }
}

extension HTTPServerBuilder {
    /// Concert's connections over TLS (at least 1.2), HTTP/2 and HTTP/1.1 with the live feed's
    /// WebSocket (see ``SecureChannel``).
    static func concertSecure(
        _ admission: LiveSocketAdmission, timeouts: LiveServerChannel.Timeouts, tls: TLSConfiguration
    ) -> HTTPServerBuilder {
        .init { responder in
            try SecureChannel(
                tls: tls, http1: LiveServerChannel(responder: responder, admission: admission, timeouts: timeouts),
                http2Idle: timeouts.idle)
        }
    }
}
