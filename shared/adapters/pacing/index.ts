export { AdaptiveLimiter, type AdaptiveLimiterOptions, type AnswerReader, type ServerAnswer } from "./adaptive-limiter.js";
export { headerLookup, remainingBudget, requestedWaitMs, type HeaderLookup, type HeaderSource } from "./rate-limit-headers.js";
