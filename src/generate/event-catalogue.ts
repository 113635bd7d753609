import type { Random } from "./random.ts";
import { referenceData } from "./reference-data.ts";
import { WeightedTable } from "./weighted-table.ts";

/** One event tickets are sold for, as the `events` export describes it. */
export interface CatalogueEvent {
  readonly id: string;
  readonly type: string;
  readonly region: string;
  readonly city: string;
  /** Typical price of one ticket in RUB. */
  readonly ticketPrice: number;
}

interface DayOffer {
  readonly events: Int32Array;
  readonly popularity: WeightedTable;
}

/**
 * The events on sale over the generated period. Each event sells tickets in a
 * window of weeks before it takes place and has a popularity weight, so a
 * day's orders draw from the events on sale that day and new events keep
 * appearing in the daily exports.
 */
export class EventCatalogue {
  /** Every event, indexed by the number `pick` returns. */
  readonly events: readonly CatalogueEvent[];
  private readonly offers: readonly DayOffer[];

  /** Draws `count` events for a period of `days` days from `random`. */
  constructor(random: Random, count: number, days: number) {
    const { eventTypes, regions } = referenceData;
    const typeWeights = eventTypes.map((type) => type.weight);
    const regionWeights = regions.map((region) => region.weight);
    const events: CatalogueEvent[] = [];
    const popularity: number[] = [];
    const firstSaleDay: number[] = [];
    const lastSaleDay: number[] = [];
    for (let index = 0; index < count; index++) {
      const region = random.weightedPick(regions, regionWeights);
      events.push({
        // Gaps between ids look like a real catalogue; the stride keeps them unique and equally long.
        id: String(1_000_000 + index * 17 + random.int(0, 16)),
        type: random.weightedPick(eventTypes, typeWeights).name,
        region: region.name,
        city: random.pick(region.cities),
        ticketPrice: random.logNormal(Math.log(1400), 0.5),
      });
      popularity.push(random.logNormal(0, 1));
      const eventDay = random.int(-20, days + 60);
      firstSaleDay.push(Math.max(0, eventDay - random.int(30, 120)));
      lastSaleDay.push(Math.min(days - 1, eventDay));
    }
    this.events = events;
    this.offers = Array.from({ length: days }, (_, day) => {
      let onSale: number[] = [];
      for (let index = 0; index < count; index++) {
        if ((firstSaleDay[index] as number) <= day && day <= (lastSaleDay[index] as number)) {
          onSale.push(index);
        }
      }
      // A tiny catalogue can leave a day with nothing on sale; selling anything beats no orders.
      if (onSale.length === 0) onSale = Array.from({ length: count }, (_, index) => index);
      return {
        events: Int32Array.from(onSale),
        popularity: new WeightedTable(onSale.map((index) => popularity[index] as number)),
      };
    });
  }

  /** The index of an event on sale on `day`, drawn by popularity. */
  pick(random: Random, day: number): number {
    const offer = this.offers[day];
    if (!offer) throw new RangeError(`day ${day} is outside the catalogue's period`);
    return offer.events[offer.popularity.draw(random)] as number;
  }
}
