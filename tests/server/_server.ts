/** A real `relayfile serve` server on a free port with a temp data folder, and a small client for its API. */
import { type RunningServer, type ServerOptions, startServer } from "../../src/server/mod.ts";

export const WORKSPACE = "ws_test";

export interface ApiResponse {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any
  json: any;
  text: string;
}

export interface ApiRequest {
  body?: unknown;
  headers?: Record<string, string>;
  /** Defaults to the server's full-scope token; `null` sends no Authorization header. */
  token?: string | null;
  workspace?: string;
}

export interface TestServer extends AsyncDisposable {
  server: RunningServer;
  dataDir: string;
  token: string;
  api(method: string, path: string, request?: ApiRequest): Promise<ApiResponse>;
  write(path: string, content: string): Promise<ApiResponse>;
  /** The content of a file on the server, or `undefined` when it is not there. */
  read(path: string): Promise<string | undefined>;
}

export async function usingServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? await Deno.makeTempDir({ prefix: "relayfile-server-" });
  const server = await startServer({ port: 0, ...options, dataDir });
  const token = await server.mintToken({ workspace: WORKSPACE });
  const api = async (method: string, path: string, request: ApiRequest = {}): Promise<ApiResponse> => {
    const headers: Record<string, string> = { "x-correlation-id": "corr_test", ...request.headers };
    const bearer = request.token === undefined ? token : request.token;
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    const body = request.body === undefined
      ? undefined
      : typeof request.body === "string" || request.body instanceof Uint8Array
      ? request.body
      : JSON.stringify(request.body);
    const response = await fetch(`${server.url}/v1/workspaces/${request.workspace ?? WORKSPACE}/${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: body as BodyInit } : {}),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, json, text };
  };
  return {
    server,
    dataDir,
    token,
    api,
    write: (path, content) => api("POST", "fs/bulk", { body: { files: [{ path, content }] } }),
    read: async (path) => {
      const response = await api("GET", `fs/file?path=${encodeURIComponent(path)}`);
      return response.status === 200 ? (response.json as { content: string }).content : undefined;
    },
    [Symbol.asyncDispose]: async () => {
      await server.close();
      if (!options.dataDir) await Deno.remove(dataDir, { recursive: true });
    },
  };
}
