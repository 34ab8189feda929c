/**
 * A WebSocket request joined to one opened to `targetUrl`, message for message, closed together: for the proxies of
 * the benchmark and the tests, which put themselves between a mount and `relayfile serve`.
 */
export function relayWebSocket(request: Request, targetUrl: string): Response {
  const { socket: client, response } = Deno.upgradeWebSocket(request);
  const server = new WebSocket(targetUrl);
  const early: string[] = [];
  server.onmessage = (message) => client.readyState === WebSocket.OPEN && client.send(message.data);
  server.onopen = () => early.splice(0).forEach((data) => server.send(data));
  client.onmessage = (message) =>
    server.readyState === WebSocket.OPEN ? server.send(message.data) : early.push(message.data);
  const closeBoth = () => {
    for (const socket of [client, server]) if (socket.readyState < WebSocket.CLOSING) socket.close();
  };
  server.onclose = closeBoth;
  client.onclose = closeBoth;
  server.onerror = closeBoth;
  client.onerror = closeBoth;
  return response;
}
