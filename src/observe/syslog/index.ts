export { LineBatcher, type LineBatcherOptions, type LineCounts, type LineOrigin, type LineSink } from './batch.js';
export { DEFAULT_MAX_MESSAGE_BYTES, SyslogFramer, type FrameHandlers } from './framing.js';
export type { TcpStats, TransportStats, UdpStats } from './listener.js';
export { parseSyslogMessage, toLogLine, type MessageContext, type SyslogMessage } from './message.js';
export { startSyslogServer, type SyslogServer, type SyslogServerOptions, type SyslogServerStats } from './server.js';
export type { SdElement } from './structured-data.js';
export { DEFAULT_MAX_CONNECTIONS, type TcpListenOptions } from './tcp.js';
export { readBsdStamp, readIsoStamp, type Stamp } from './timestamp.js';
export { DEFAULT_UDP_RECV_BUFFER, type UdpListenOptions } from './udp.js';
