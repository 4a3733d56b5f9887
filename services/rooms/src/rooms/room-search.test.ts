import { containsPattern, languageMatch, roomSearchSql } from './room-search';

describe('containsPattern', () => {
  it('matches the words anywhere in the title', () => {
    expect(containsPattern('jazz night')).toBe('%jazz night%');
  });

  it('takes LIKE wildcards and the escape character literally', () => {
    expect(containsPattern('100%')).toBe('%100\\%%');
    expect(containsPattern('snake_case')).toBe('%snake\\_case%');
    expect(containsPattern('back\\slash')).toBe('%back\\\\slash%');
  });
});

describe('languageMatch', () => {
  it('matches a bare language by its primary subtag alone', () => {
    expect(languageMatch('en')).toEqual({ primary: 'en', tag: 'en', exact: true });
  });

  it('matches a regional tag by its primary subtag, then the whole tag or a longer one', () => {
    expect(languageMatch('pt-BR')).toEqual({ primary: 'pt', tag: 'pt-br', exact: false });
    expect(languageMatch('zh-Hant-TW')).toEqual({
      primary: 'zh',
      tag: 'zh-hant-tw',
      exact: false,
    });
  });
});

describe('roomSearchSql', () => {
  const base = { tenantId: 't1', userId: 'u1', take: 21 };

  it('binds every value as a parameter, none in the statement text', () => {
    const sql = roomSearchSql({
      ...base,
      q: "o'brien",
      topic: 'Music',
      language: 'en-GB',
      after: { t: new Date('2026-01-02T03:04:05.678Z'), id: 'room-9' },
    });
    expect(sql.text).not.toContain("o'brien");
    expect(sql.values).toEqual(
      expect.arrayContaining([
        "%o'brien%",
        'Music',
        'en',
        'en-gb',
        'en-gb-',
        '2026-01-02T03:04:05.678Z',
        'room-9',
        21,
      ]),
    );
  });

  it('adds no condition for a filter that is not asked for', () => {
    const sql = roomSearchSql(base);
    expect(sql.text).not.toMatch(/ILIKE|split_part|lower\(r\.topic\)|\(r\.created_at, r\.id\) </);
  });

  it('pages with a row comparison on the sort key, in both branches', () => {
    const sql = roomSearchSql({ ...base, after: { t: new Date(0), id: 'x' } });
    expect(sql.text.match(/\(r\.created_at, r\.id\) </g)).toHaveLength(2);
  });
});
