import { ElapsedClock, elapsedText } from './elapsedClock';

describe('ElapsedClock', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.parse('2026-12-04T08:00:10.000Z') }));
  afterEach(() => jest.useRealTimers());

  it('ticks every listener once a second while one listens, and stops with the last', () => {
    const clock = new ElapsedClock();
    const a = jest.fn();
    const b = jest.fn();
    const stopA = clock.subscribe(a);
    const stopB = clock.subscribe(b);
    jest.advanceTimersByTime(3000);
    expect(a).toHaveBeenCalledTimes(3);
    expect(b).toHaveBeenCalledTimes(3);
    expect(a).toHaveBeenLastCalledWith(Date.parse('2026-12-04T08:00:13.000Z'));
    stopA();
    jest.advanceTimersByTime(1000);
    expect(a).toHaveBeenCalledTimes(3);
    expect(b).toHaveBeenCalledTimes(4);
    expect(clock.running).toBe(true);
    stopB();
    expect(clock.running).toBe(false);
    expect(jest.getTimerCount()).toBe(0);
  });
});

describe('elapsedText', () => {
  it('says how long since the start', () => {
    expect(elapsedText('2026-12-04T08:00:00.000Z', Date.parse('2026-12-04T08:00:12.400Z'))).toBe('12 s');
    expect(elapsedText('2026-12-04T08:00:00.000Z', Date.parse('2026-12-04T08:01:05.000Z'))).toBe('1 min 5 s');
    expect(elapsedText('not a date', 0)).toBe('');
  });
});
