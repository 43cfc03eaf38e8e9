// HTTP plumbing shared by every module: the server, the request guards and `@request.*`.
/** The Fastify instance with PocketBase's error shape, body limits, CORS and the `fields` picker. */
export { createHttpServer, toAppError, DEFAULT_BODY_LIMIT, type HttpServerOptions } from './server.js';
export { requestInfo, requireAuth, requireSuperuser } from './request.js';
export { parseFields, pickFields } from './fields.js';
/** One cookie from a `Cookie` header, and `Set-Cookie` values. */
export { readCookie, serializeCookie, type CookieAttributes } from './cookie-header.js';
/** Address and CIDR lists from settings. */
export { invalidIpEntries, ipList, type IpList } from './ip-list.js';
