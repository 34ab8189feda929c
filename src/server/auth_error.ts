/** Why a token was refused; becomes the HTTP status and error code of the response. */
export class AuthError extends Error {
  readonly status: 401 | 403 | 503;
  readonly code: "unauthorized" | "forbidden" | "unavailable";

  constructor(status: 401 | 403 | 503, message: string) {
    super(message);
    this.name = "AuthError";
    this.status = status;
    this.code = status === 401 ? "unauthorized" : status === 403 ? "forbidden" : "unavailable";
  }
}
