export {
  CONTROL_TYPES,
  DEFAULT_MAX_DATA_FRAME_BYTES,
  encodeControlFrame,
  encodeDataFrame,
  encodeFrameStream,
  FrameStreamDecoder,
  type ControlFrame,
  type ControlType,
  type Frame,
  type FrameStreamError,
} from './frame-streams.js';
export {
  startDnstapReceiver,
  DNSTAP_CONTENT_TYPE,
  type DnstapFramesHandler,
  type DnstapOrigin,
  type DnstapReceiver,
  type DnstapReceiverOptions,
  type DnstapReceiverStats,
} from './receiver.js';
export {
  decodeDnstapMessage,
  readClientEnvelope,
  readDnstapEnvelope,
  MESSAGE_TYPES,
  type ClientEnvelope,
  type DnstapEnvelope,
  type DnstapMessage,
} from './message.js';
export { decodeDnstapFrame, dnstapObservation } from './observation.js';
