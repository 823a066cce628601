import type { CronJob } from "kubernetes-types/batch/v1.js";
import type { CronSchedule } from "./cron-schedule.js";

/** The delay added to requeues so the next sync lands just after the scheduled time (nextScheduleDelta). */
export const NEXT_SCHEDULE_DELTA_MS = 100;

export interface MostRecent {
  /** Creation time, or the last schedule time, or the starting deadline's start (ms). */
  earliest: number;
  /** The latest activation in (earliest, now], if any. */
  mostRecent: number | undefined;
  /** Over 100 activations were missed (the "too many missed start times" warning). */
  manyMissed: boolean;
}

/**
 * cronjob utils' mostRecentScheduleTime: the latest unmet activation of `cj` at `now`, counting
 * missed ones by the interval between the first two (upstream's approximation), so a CronJob
 * that missed decades of runs is not walked run by run.
 */
export function mostRecentScheduleTime(cj: CronJob, now: number, schedule: CronSchedule, includeStartingDeadline: boolean): MostRecent {
  let earliest = Date.parse(cj.status?.lastScheduleTime ?? cj.metadata!.creationTimestamp!);
  const deadline = cj.spec?.startingDeadlineSeconds;
  if (includeStartingDeadline && deadline !== undefined && deadline !== null) earliest = Math.max(earliest, now - deadline * 1000);
  const t1 = schedule.next(earliest);
  const t2 = schedule.next(t1);
  if (now < t1) return { earliest, mostRecent: undefined, manyMissed: false };
  if (now < t2) return { earliest, mostRecent: t1, manyMissed: false };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) throw new Error("time difference between two schedules is less than 1 second");
  const missed = Math.floor(Math.floor((now - t1) / 1000) / between) + 1;
  let mostRecent: number | undefined;
  for (let t = schedule.next(t1 + (missed - 2) * between * 1000); t !== 0 && t <= now; t = schedule.next(t)) mostRecent = t;
  return { earliest, mostRecent, manyMissed: missed > 100 };
}

/** nextScheduleTimeDuration: how long (ms) until the activation after the most recent one, plus {@link NEXT_SCHEDULE_DELTA_MS}. */
export function nextScheduleDelay(cj: CronJob, now: number, schedule: CronSchedule): number | undefined {
  let r: MostRecent;
  try {
    r = mostRecentScheduleTime(cj, now, schedule, false);
  } catch {
    return undefined;
  }
  return schedule.next(r.mostRecent ?? r.earliest) + NEXT_SCHEDULE_DELTA_MS - now;
}
