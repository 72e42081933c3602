import type { RequestHandler } from 'express';
import type pg from 'pg';
import { idParams } from '@shop/shared/http';
import type { AggregateType } from './event-log.ts';
import { aggregateHistory } from './history.ts';
import { historyQuery } from './schemas.ts';

/** GET …/:id/events: a page of the aggregate's history (docs/contract.md, "Event history"). */
export function historyHandler(dbs: { read: pg.Pool; write: pg.Pool }, aggregateType: AggregateType): RequestHandler {
  return async (req, res) => {
    const { id } = idParams.parse(req.params);
    const { after, limit } = historyQuery.parse(req.query);
    res.json(await aggregateHistory(dbs, { aggregateType, aggregateId: id, after, limit }));
  };
}
