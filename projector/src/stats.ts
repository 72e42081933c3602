export interface ProjectorStats {
  processed: number;
  duplicates: number;
  deadLettered: number;
  lastEventId: string | null;
  lastEventAt: Date | null;
}

export const newStats = (): ProjectorStats => ({
  processed: 0,
  duplicates: 0,
  deadLettered: 0,
  lastEventId: null,
  lastEventAt: null,
});
