/** NOTIFY channel: "a job became due" (submit, retry, cancel of a parked job). */
export const jobsChannel = 'holdfast_jobs';
/** NOTIFY channel: "stop this running job", payload = job id. */
export const cancelChannel = 'holdfast_cancel';
