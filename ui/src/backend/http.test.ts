import { describe, expect, it, vi } from 'vitest';
import type { LiveHandlers } from './backend';
import { BackendError } from './errors';
import { HttpBackend } from './http';
import { room } from '../test-fixtures';

function fakeFetch(status: number, body: string) {
  return vi.fn(async (_url: string | URL | Request, _init?: RequestInit) => new Response(body, { status }));
}

describe('HttpBackend requests', () => {
  it('sends the bearer token and builds the history query', async () => {
    const fetch = fakeFetch(200, '[]');
    const api = new HttpBackend('tok', { fetch });
    await api.listHistory({ limit: 50, room: 'room 1' });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('/api/history?limit=50&room=room+1');
    expect((init!.headers as Record<string, string>).Authorization).toBe('Bearer tok');
  });

  it('sends every history filter that is set, and the page', async () => {
    const fetch = fakeFetch(200, '[]');
    const api = new HttpBackend('tok', { fetch });
    await api.listHistory({ limit: 50, room: null, kind: 'rejected', outcome: 'failed', search: 'a&b', from: '2026-03-01T00:00:00.000Z', before: 7 });
    expect(fetch.mock.calls[0]![0]).toBe(
      '/api/history?limit=50&kind=rejected&outcome=failed&search=a%26b&from=2026-03-01T00%3A00%3A00.000Z&before=7',
    );
  });

  it('posts the doctor request and reads its report', async () => {
    const fetch = fakeFetch(200, '{"checked_at":"2026-11-20T10:00:00Z","rooms":2,"problems":0,"warnings":0,"findings":[]}');
    const report = await new HttpBackend('tok', { fetch }).doctor({ person: 'kari@nordvik.example' });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('/api/doctor');
    expect(init!.method).toBe('POST');
    expect(JSON.parse(init!.body as string)).toEqual({ person: 'kari@nordvik.example' });
    expect(report.rooms).toBe(2);
  });

  it('downloads an export with the filters and takes the server\'s file name', async () => {
    const fetch = vi.fn(
      async (_url: string | URL | Request, _init?: RequestInit) =>
        new Response('\ufeffNo.,Time\r\n1,"two\r\nlines"\r\n', {
          status: 200,
          headers: {
            'Content-Disposition': 'attachment; filename="roombridge-history-gym-20260301T100000Z.csv"',
            'X-Export-Rows': '1',
          },
        }),
    );
    const api = new HttpBackend('tok', { fetch });
    const file = await api.exportHistory({ format: 'csv', room: 'gym', search: 'x' });
    expect(file).toEqual({
      filename: 'roombridge-history-gym-20260301T100000Z.csv',
      format: 'csv',
      // The byte-order mark stays: spreadsheet programs need it in the saved file.
      text: '\ufeffNo.,Time\r\n1,"two\r\nlines"\r\n',
      // The server's count: a quoted line break does not make a second row.
      rows: 1,
    });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('/api/history/export?format=csv&room=gym&search=x');
    expect((init!.headers as Record<string, string>).Authorization).toBe('Bearer tok');
  });

  it('passes on the ApiError an export was refused with', async () => {
    const api = new HttpBackend('tok', { fetch: fakeFetch(400, '{"code":"invalid_input","message":"bad outcome"}') });
    await expect(api.exportHistory({ format: 'jsonl', room: null })).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('posts a sync request for the room', async () => {
    const fetch = fakeFetch(200, '{}');
    await new HttpBackend('tok', { fetch }).syncRoom({ room: 'a/b' });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('/api/rooms/a%2Fb/sync');
    expect(init!.method).toBe('POST');
  });

  it('posts the approval of held deletions for the room', async () => {
    const fetch = fakeFetch(200, '{}');
    await new HttpBackend('tok', { fetch }).approveDeletions({ room: 'gym' });
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('/api/rooms/gym/approve-deletions');
    expect(init!.method).toBe('POST');
  });

  it('passes on the ApiError the server sent', async () => {
    const api = new HttpBackend('tok', { fetch: fakeFetch(404, '{"code":"not_found","message":"No room x"}') });
    await expect(api.syncRoom({ room: 'x' })).rejects.toMatchObject({ code: 'not_found', message: 'No room x' });
  });

  it('derives a code from the HTTP status when the body is not an ApiError', async () => {
    const api = new HttpBackend('tok', { fetch: fakeFetch(401, 'Unauthorized') });
    await expect(api.listRooms()).rejects.toMatchObject({ code: 'unauthorized' });
    const api2 = new HttpBackend('tok', { fetch: fakeFetch(503, '{"code":"teapot","message":"?"}') });
    await expect(api2.listRooms()).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('reports an unreachable server as unavailable', async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const err = await new HttpBackend('tok', { fetch }).status().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendError);
    expect(err).toMatchObject({ code: 'unavailable' });
  });
});

/** Enough of EventSource to drive the subscription by hand. */
class FakeEventSource extends EventTarget {
  static instances: FakeEventSource[] = [];
  readyState = 0;
  constructor(readonly url: string) {
    super();
    FakeEventSource.instances.push(this);
  }
  close() {
    this.readyState = 2;
  }
  emit(type: string, data?: unknown) {
    if (type === 'open') this.readyState = 1;
    const event = data === undefined ? new Event(type) : new MessageEvent(type, { data: JSON.stringify(data) });
    this.dispatchEvent(event);
  }
}

function handlers() {
  const calls = { rooms: [] as unknown[], history: [] as unknown[], connection: [] as string[], resync: 0 };
  const h: LiveHandlers = {
    room: (r) => calls.rooms.push(r),
    history: (e) => calls.history.push(e),
    connection: (s) => calls.connection.push(s),
    resync: () => calls.resync++,
  };
  return { h, calls };
}

describe('HttpBackend live updates', () => {
  it('opens the stream without the token in its address, delivers room events and resyncs after a drop', async () => {
    vi.useFakeTimers();
    FakeEventSource.instances = [];
    const api = new HttpBackend('t&k', { fetch: fakeFetch(200, '{}'), EventSource: FakeEventSource as never });
    const { h, calls } = handlers();
    const subscribed = api.subscribe(h);
    const es = FakeEventSource.instances[0]!;
    expect(es.url).toBe('/api/events');
    es.emit('open');
    const unsubscribe = await subscribed;
    expect(calls.connection).toEqual(['connecting', 'live']);

    es.emit('room', room('a', { status: 'in_sync' }));
    expect(calls.rooms).toHaveLength(1);

    // The server went away and the browser gave up: we reconnect ourselves, then reload.
    es.readyState = 2;
    es.emit('error');
    expect(calls.connection.at(-1)).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1_000);
    const es2 = FakeEventSource.instances[1]!;
    es2.emit('open');
    expect(calls.resync).toBe(1);
    expect(calls.connection.at(-1)).toBe('live');

    unsubscribe();
    expect(es2.readyState).toBe(2);
    vi.useRealTimers();
  });

  it('ignores a malformed event', async () => {
    FakeEventSource.instances = [];
    const api = new HttpBackend('t', { fetch: fakeFetch(200, '{}'), EventSource: FakeEventSource as never });
    const { h, calls } = handlers();
    const subscribed = api.subscribe(h);
    const es = FakeEventSource.instances[0]!;
    es.emit('open');
    await subscribed;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    es.dispatchEvent(new MessageEvent('history', { data: '{not json' }));
    expect(calls.history).toHaveLength(0);
    warn.mockRestore();
  });
});
