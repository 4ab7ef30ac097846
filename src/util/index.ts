/**
 * Small helpers every folder may use: did-you-mean, secrets in messages, the
 * HTTP plumbing the server and the emulator share, text escaping for
 * terminals, CI logs and GitHub Markdown, paths, timeouts, and the git runner
 * (the local host, init and the demo run git; none needs a GitHub client).
 */
export { didYouMean } from './did-you-mean.js';
export { HttpError, isJsonContentType, listen, readRequestBody, RequestBodyError, sendAndClose, sendJson } from './http.js';
export { checkSecretLength, redactValues } from './secrets.js';
export { isLoopbackHost } from './hosts.js';
export { DEFAULT_REQUEST_TIMEOUT_MS, parseTimeoutSeconds, stuckJobTimeoutMs } from './timeouts.js';
export { escapeJsonText, escapeLines, escapeText } from './escape-text.js';
export { plural } from './plural.js';
export { DEFAULT_PARALLELISM, MAX_PARALLELISM } from './parallelism.js';
export { codeBlock, codeSpan, defuseReferences, escapeHtml, escapeMarkdown } from './markdown-escape.js';
export { markdownCode } from './markdown-code.js';
export { displayPath, isWithin, toPosix } from './paths.js';
export { isObject } from './is-object.js';
export { errorCode, pathExists } from './files.js';
export { buildGitEnv, findCheckoutFolder, gitExitError, isGitMissing, runGit, type GitRun, type RunGitOptions } from './run-git.js';
