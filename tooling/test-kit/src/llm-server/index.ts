export { startLlmServer } from './llm-server.js';
export { fakeFromSchema, answerText } from './encode-reply.js';
export type {
  LlmHandler,
  LlmOutcome,
  LlmOutputMode,
  LlmProtocol,
  LlmRecord,
  LlmReply,
  LlmRequest,
  LlmServer,
  LlmServerOptions,
  Malformation,
  ReplyTiming,
} from './types.js';
