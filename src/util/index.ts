export { didYouMean, editDistance } from './did-you-mean.js';
export { HttpError, isJsonContentType, listen, readRequestBody, RequestBodyError, sendJson, type BodyFailure, type ReadBodyOptions } from './http.js';
