import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { faultKinds } from '../src/simulator/fault.js';
import { runCli } from './support/cli.js';

describe('holdfast simulate', () => {
  it('documents every option and every fault in --help', async () => {
    const run = runCli(['simulate', '--help']);
    expect(await run.exited).toBe(0);
    const help = run.stdout();
    for (const option of [
      '--port',
      '--host',
      '--faults',
      '--seed',
      '--chunk-delay',
      '--keepa-capacity',
      '--json',
    ]) {
      expect(help).toContain(option);
    }
    for (const kind of faultKinds) expect(help).toContain(kind.name);
    expect(help).toContain('window=10s-40s');
  });

  it('starts, serves with its faults, and stops cleanly on SIGINT', async () => {
    const run = runCli(['simulate', '--port', '0', '--seed', '3', '--faults', 'openai:429:next1', '--json']);
    const line = await run.waitFor(/\}\n/);
    const { url } = JSON.parse(line) as { url: string };
    const call = () =>
      fetch(`${url}/v1/embeddings`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk-x', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'text-embedding-3-small', input: 'hi' }),
      });
    expect((await call()).status).toBe(429);
    expect((await call()).status).toBe(200);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    await expect(call()).rejects.toThrow();
  });

  it('refuses a bad fault with the reason', async () => {
    const run = runCli(['simulate', '--port', '0', '--faults', 'openai:teapot']);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain("unknown fault 'teapot'");
  });

  it('refuses an unknown route or status with CONFIG_INVALID and the valid list', async () => {
    const route = runCli(['simulate', '--port', '0', '--faults', 'openai/chatx:500']);
    expect(await route.exited).toBe(1);
    expect(route.stderr()).toContain('CONFIG_INVALID');
    expect(route.stderr()).toContain(
      "unknown route 'chatx' for openai (one of chat, embeddings, responses, models)",
    );
    expect(route.stdout()).not.toContain('listening');
    const status = runCli(['simulate', '--port', '0', '--faults', 'gemini:430']);
    expect(await status.exited).toBe(1);
    expect(status.stderr()).toContain('unsupported status 430 (one of 400, 401, 403');
  });

  it('reports a busy port as PORT_IN_USE with what to do, and no stack trace', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = String((busy.address() as { port: number }).port);
    try {
      const run = runCli(['simulate', '--port', port]);
      expect(await run.exited).toBe(1);
      const stderr = run.stderr();
      expect(stderr).toContain(`PORT_IN_USE: 127.0.0.1:${port} is already in use`);
      expect(stderr).toContain(`ss -ltnp | grep :${port}`);
      expect(stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
