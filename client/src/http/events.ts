/** The real API's usage events, progress summary and admin metrics calls. */
import type { Backend } from "../backend";
import type { MetricData } from "../events-types";
import type { Transport } from "./transport";

export function eventsCalls(
  api: Transport,
): Pick<Backend, "trackEvents" | "progressSummary" | "adminMetric"> {
  return {
    trackEvents: (body, options = {}) =>
      api.call("post", "/api/events", { body, ...(options.keepalive && { keepalive: true }) }),
    progressSummary: (tz) => api.call("get", "/api/progress/summary", { query: { tz } }),
    async adminMetric(name, range) {
      const answer = (await api.send("get", `/api/admin/metrics/${name}`, {
        query: { from: range.from, to: range.to },
      })) as { data: MetricData[typeof name] };
      return answer.data;
    },
  };
}
