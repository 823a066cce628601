import type { ApiTypeRegistration } from "../../strategy.js";
import { CRON_JOB } from "./cron-job.js";
import { JOB } from "./job.js";

/** The built-in resource types of this API group, in discovery order. */
export const BATCH_TYPES: ApiTypeRegistration[] = [CRON_JOB, JOB] as ApiTypeRegistration[];

export { defaultJob, generateJobSelector, CONTROLLER_UID_LABEL, JOB_NAME_LABEL } from "./job.js";
export { defaultCronJob } from "./cron-job.js";
export { cronScheduleError } from "./cron-schedule.js";
