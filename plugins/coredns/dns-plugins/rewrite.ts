import type { Answer, Question } from "dns-packet";
import { fqdn } from "../corefile/address.js";
import type { DnsPluginDefinition, DnsRequest } from "../server/handler.js";
import { wireName } from "../server/records.js";

type NameMatch = "exact" | "prefix" | "suffix" | "substring" | "regex";

/** Requests a rewrite rule with `stop` matched: later rewrite rules leave them alone. */
const stopped = new WeakSet<DnsRequest>();

/**
 * `rewrite [continue|stop] name [exact|prefix|suffix|substring|regex] FROM TO [answer auto|name FROM TO]`
 * and `rewrite [continue|stop] type|class FROM TO`: changes the question before the rest of the
 * chain sees it; the reply carries the client's question again (and, for exact rules or
 * `answer auto`, answers renamed back).
 */
export const rewritePlugin: DnsPluginDefinition = {
  name: "rewrite",
  repeatable: true,
  setup(s) {
    const args = [...s.directive.args];
    let mode: "stop" | "continue" = "stop";
    if (args[0] === "stop" || args[0] === "continue") mode = args.shift() as "stop" | "continue";
    const field = args.shift();
    if (field === "type" || field === "class") {
      if (args.length !== 2) throw s.reader.argError(s.directive.line, field);
      const [from, to] = args.map((a) => a.toUpperCase()) as [string, string];
      return {
        handler: (next) => ({
          name: "rewrite",
          async serveDNS(req) {
            const current = field === "type" ? req.type : (req.question.class ?? "IN");
            if (stopped.has(req) || current !== from) return next.serveDNS(req);
            const question = { ...req.question, [field]: to } as Question;
            const inner: DnsRequest = { ...req, question, ...(field === "type" ? { type: to } : {}) };
            if (mode === "stop") stopped.add(inner);
            const r = await next.serveDNS(inner);
            return { ...r, question: req.question };
          },
        }),
      };
    }
    if (field !== "name") throw s.reader.error(`invalid type "${field ?? ""}"`);
    let match: NameMatch = "exact";
    if (args[0] && ["exact", "prefix", "suffix", "substring", "regex"].includes(args[0]) && args.length >= 3) match = args.shift() as NameMatch;
    const [from, to, ...rest] = args;
    if (from === undefined || to === undefined) throw s.reader.argError(s.directive.line, "name");
    let answerAuto = match === "exact";
    const answerNames: { re: RegExp; to: string }[] = [];
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] !== "answer") throw s.reader.error(`unexpected argument '${rest[i]}'`);
      if (rest[i + 1] === "auto") {
        answerAuto = true;
        i += 1;
      } else if (rest[i + 1] === "name" || rest[i + 1] === "value") {
        if (rest[i + 2] === undefined || rest[i + 3] === undefined) throw s.reader.argError(s.directive.line, "answer");
        answerNames.push({ re: new RegExp(rest[i + 2]!, "i"), to: rest[i + 3]! });
        i += 3;
      } else throw s.reader.error(`unknown answer rewrite '${rest[i + 1] ?? ""}'`);
    }
    const lowerFrom = match === "exact" || match === "suffix" ? fqdn(from) : from.toLowerCase();
    const re = match === "regex" ? new RegExp(from, "i") : undefined;
    const rewriteName = (name: string): string | undefined => {
      switch (match) {
        case "exact":
          return name === lowerFrom ? fqdn(to) : undefined;
        case "prefix":
          return name.startsWith(lowerFrom) ? fqdn(to + name.slice(lowerFrom.length)) : undefined;
        case "suffix":
          return name.endsWith(lowerFrom) ? fqdn(name.slice(0, name.length - lowerFrom.length) + fqdn(to)) : undefined;
        case "substring":
          return name.includes(lowerFrom) ? fqdn(name.replace(lowerFrom, to)) : undefined;
        case "regex": {
          const m = re!.exec(name);
          return m ? fqdn(to.replace(/\{(\d+)\}/g, (_x, n: string) => m[Number(n)] ?? "")) : undefined;
        }
      }
    };
    return {
      handler: (next) => ({
        name: "rewrite",
        async serveDNS(req) {
          if (stopped.has(req)) return next.serveDNS(req);
          const target = rewriteName(req.name);
          if (!target) return next.serveDNS(req);
          const inner: DnsRequest = { ...req, name: target, question: { ...req.question, name: wireName(target) } };
          if (mode === "stop") stopped.add(inner);
          const r = await next.serveDNS(inner);
          const renamed = (a: Answer): Answer => {
            let name = a.name;
            if (answerAuto && fqdn(name) === target) name = req.question.name;
            for (const rule of answerNames) {
              const m = rule.re.exec(fqdn(name));
              if (m) name = wireName(rule.to.replace(/\{(\d+)\}/g, (_x, n: string) => m[Number(n)] ?? ""));
            }
            return name === a.name ? a : ({ ...a, name } as Answer);
          };
          return { ...r, answers: r.answers.map(renamed), question: req.question };
        },
      }),
    };
  },
};
