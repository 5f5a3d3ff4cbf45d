import { afterEach, describe, expect, it, vi } from 'vitest';
import { exportType, saveFile } from './download';

afterEach(() => vi.restoreAllMocks());

describe('saveFile', () => {
  it('clicks a hidden download link to a Blob holding the text, then removes it', async () => {
    const created: Blob[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => {
      created.push(b as Blob);
      return 'blob:x';
    });
    const clicked: { href: string; download: string }[] = [];
    const body = { children: [] as unknown[], append: (el: unknown) => body.children.push(el) };
    const doc = {
      body,
      createElement: () => {
        const link = {
          href: '',
          download: '',
          rel: '',
          style: { display: '' },
          click: () => clicked.push({ href: link.href, download: link.download }),
          remove: () => body.children.splice(body.children.indexOf(link), 1),
        };
        return link;
      },
    } as unknown as Document;

    saveFile({ filename: 'roombridge-history-gym.csv', text: 'seq,at\r\n1,x\r\n' }, doc);

    expect(clicked).toEqual([{ href: 'blob:x', download: 'roombridge-history-gym.csv' }]);
    expect(body.children).toHaveLength(0);
    expect(created[0]!.type).toBe('text/csv;charset=utf-8');
    expect(await created[0]!.text()).toBe('seq,at\r\n1,x\r\n');
  });

  it('types JSON Lines files as such', () => {
    expect(exportType('h.jsonl')).toBe('application/jsonl;charset=utf-8');
    expect(exportType('h.csv')).toBe('text/csv;charset=utf-8');
  });
});
