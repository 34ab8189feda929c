/**
 * What the Deno runtime itself needs from the environment of a `deno run` child (not the program: it reads only its
 * own allow-listed names): where its module cache is — else a child given a fresh HOME fills a fresh cache from the
 * registry — and this machine's TLS settings; and no check for a newer Deno, which `deno run` otherwise makes in the
 * background of every child (a DNS lookup and a request to dl.deno.land, seen under strace during a pull). The
 * compiled binary needs none of it.
 */
export async function denoRuntimeEnv(): Promise<Record<string, string>> {
  const info = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped", stderr: "null" })
    .output();
  const { denoDir } = JSON.parse(new TextDecoder().decode(info.stdout)) as { denoDir: string };
  const env: Record<string, string> = { DENO_DIR: denoDir, RUST_BACKTRACE: "0", DENO_NO_UPDATE_CHECK: "1" };
  for (const name of ["DENO_TLS_CA_STORE", "SSL_CERT_FILE", "SSL_CERT_DIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}
