import { createLeadProviderClient } from '../src';
import { json, localServer } from './local-server';

interface Row {
  id: string;
  created_at: string;
  updated_at: string;
}

/**
 * A declarations list as the API serves it: `filter[updated_since]` keeps rows with `updated_at` at or after
 * it, ordered by `created_at` then `id`, offset-paginated with no snapshot. `onPage` runs before a page is
 * answered, so a test can change the rows in the middle of a walk.
 */
async function declarationsServer(rows: Row[], onPage: (page: number) => void = () => undefined) {
  return localServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const since = url.searchParams.get('filter[updated_since]');
    const page = Number(url.searchParams.get('page[page]') ?? '1');
    const perPage = Number(url.searchParams.get('page[per_page]') ?? '100');
    onPage(page);
    const matching = rows
      .filter((r) => since === null || Date.parse(r.updated_at) >= Date.parse(since))
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
    const data = matching.slice((page - 1) * perPage, page * perPage).map((r) => ({
      id: r.id,
      type: 'participant-declaration',
      attributes: { created_at: r.created_at, updated_at: r.updated_at },
    }));
    json(res, 200, { data });
  });
}

const row = (id: string, created: string, updated = created): Row => ({
  id,
  created_at: `2025-10-01T10:00:${created}Z`,
  updated_at: `2025-10-01T10:00:${updated}Z`,
});

const ids = (records: { id: string; attributes: { updated_at?: string | null } }[]) =>
  records.map((r) => `${r.id}@${r.attributes.updated_at?.slice(17, 19)}`);

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

describe('updatedSince feed', () => {
  it('finds a write that committed late with an older updated_at (the overlap window); without the window it is lost', async () => {
    const rows = [row('a', '00'), row('b', '05')];
    const server = await declarationsServer(rows);
    close = server.close;
    const client = createLeadProviderClient({ baseUrl: server.url, token: 't' });
    const feed = client.updatedSince('/api/v3/participant-declarations', { overlapSeconds: 60 });
    const unsafe = client.updatedSince('/api/v3/participant-declarations', { overlapSeconds: 0 });

    expect(ids(await feed.poll())).toEqual(['a@00', 'b@05']);
    expect(ids(await unsafe.poll())).toEqual(['a@00', 'b@05']);
    expect(feed.nextUpdatedSince).toBe('2025-10-01T09:59:05Z');
    expect(unsafe.nextUpdatedSince).toBe('2025-10-01T10:00:05Z');

    // A transaction stamped 10:00:03 commits after both polls read.
    rows.push(row('c', '03'));
    expect(ids(await feed.poll())).toEqual(['c@03']);
    expect(ids(await unsafe.poll())).toEqual([]);
    // Nothing changed: nothing is returned twice.
    expect(await feed.poll()).toEqual([]);
  });

  it('misses nothing when rows cross a page boundary during the walk, and returns each version once', async () => {
    const rows = [row('r1', '01'), row('r2', '02'), row('r3', '03'), row('r4', '04'), row('r5', '05')];
    let walk = 0;
    const server = await declarationsServer(rows, (page) => {
      // During the first walk, after page 1 was read: a late insert sorting first pushes every row one place
      // along (r2 is served again on page 2), and r1, already read, is updated.
      if (walk === 1 && page === 2 && rows.length === 5) {
        rows.push(row('r0', '00', '06'));
        rows[0] = row('r1', '01', '07');
      }
    });
    close = server.close;
    const client = createLeadProviderClient({ baseUrl: server.url, token: 't' });
    const feed = client.updatedSince('/api/v3/participant-declarations', { perPage: 2, overlapSeconds: 60 });

    walk = 1;
    const first = await feed.poll();
    // r2 came twice (pages 1 and 2) but is returned once; r0 landed on page 1, already read.
    expect(ids(first)).toEqual(['r1@01', 'r2@02', 'r3@03', 'r4@04', 'r5@05']);
    walk = 2;
    expect(ids(await feed.poll())).toEqual(['r0@06', 'r1@07']);
    expect(await feed.poll()).toEqual([]);
    // Every page request walked until the empty page, with page[per_page]=2.
    const pagesAsked = server.seen.map((s) => new URL(s.url, 'http://x').searchParams.get('page[page]'));
    expect(pagesAsked.slice(0, 4)).toEqual(['1', '2', '3', '4']);
  });

  it('returns a second change made within the same second (same updated_at, different content)', async () => {
    const rows: (Row & { status?: string })[] = [{ ...row('a', '00'), status: 'pending' }];
    const server = await localServer((req, res) =>
      json(res, 200, {
        data: (new URL(req.url, 'http://x').searchParams.get('page[page]') === '1' ? rows : []).map((r) => ({
          id: r.id,
          type: 'npq_application',
          attributes: { status: r.status, updated_at: r.updated_at },
        })),
      }),
    );
    close = server.close;
    const client = createLeadProviderClient({ baseUrl: server.url, token: 't' });
    const feed = client.updatedSince('/api/v3/npq-applications');
    expect((await feed.poll()).map((r) => r.attributes.status)).toEqual(['pending']);
    rows[0]!.status = 'accepted'; // same second, so the same updated_at
    expect((await feed.poll()).map((r) => r.attributes.status)).toEqual(['accepted']);
    expect(await feed.poll()).toEqual([]);
  });

  it('watch polls every interval, yields each change once and stops when aborted', async () => {
    const rows = [row('a', '00')];
    const server = await declarationsServer(rows);
    close = server.close;
    const client = createLeadProviderClient({ baseUrl: server.url, token: 't' });
    const feed = client.updatedSince('/api/v3/participant-declarations');
    const controller = new AbortController();
    const yielded: string[] = [];
    let abortedAt = 0;
    for await (const record of feed.watch({ intervalMs: 1000, signal: controller.signal })) {
      yielded.push(`${record.id}@${record.attributes.updated_at?.slice(17, 19)}`);
      if (yielded.length === 1) rows.push(row('b', '01'));
      if (yielded.length === 2) rows[0] = row('a', '00', '02');
      if (yielded.length === 3) {
        abortedAt = Date.now();
        controller.abort();
      }
    }
    expect(yielded).toEqual(['a@00', 'b@01', 'a@02']);
    // The abort ends the watch at once, not after another interval.
    expect(Date.now() - abortedAt).toBeLessThan(500);
  });

  it('resumes from a saved state without returning anything twice', async () => {
    const rows = [row('a', '00'), row('b', '05')];
    const server = await declarationsServer(rows);
    close = server.close;
    const client = createLeadProviderClient({ baseUrl: server.url, token: 't' });
    const feed = client.updatedSince('/api/v3/participant-declarations', { since: '2025-10-01T10:00:01Z' });
    expect(ids(await feed.poll())).toEqual(['b@05']);
    const saved = JSON.parse(JSON.stringify(feed.state));
    expect(saved).toEqual({
      since: '2025-10-01T10:00:01Z',
      cursor: '2025-10-01T10:00:05Z',
      seen: { b: expect.stringMatching(/^2025-10-01T10:00:05Z [0-9a-z]+$/) },
    });

    rows.push(row('c', '06'));
    const resumed = client.updatedSince('/api/v3/participant-declarations', { state: saved });
    expect(ids(await resumed.poll())).toEqual(['c@06']);
    // The window (cursor - 300 s) would start at 09:55:05; it never reaches before the feed's start.
    const sinceSent = new URL(server.seen.at(-1)!.url, 'http://x').searchParams.get('filter[updated_since]');
    expect(sinceSent).toBe('2025-10-01T10:00:01Z');
  });
});
