/** An ad source: its share of new visitors and what one of its visits costs (RUB). */
export interface AdSource {
  readonly id: string;
  readonly share: number;
  readonly costPerVisit: number;
}

/** A region and the cities events take place in. */
export interface Region {
  readonly name: string;
  readonly weight: number;
  readonly cities: readonly string[];
}

/** A label with how often it is drawn relative to its siblings. */
export interface Weighted {
  readonly name: string;
  readonly weight: number;
}

/**
 * The fixed vocabulary of the synthetic exports: ad sources, devices, event
 * types, regions and ticket operators. Two operator names hold a comma or a
 * quote on purpose, so readers of the exports meet CSV quoting.
 */
export const referenceData = {
  // Priced so that the demo's economics look like a business (issue 15, after seed 004):
  // about 27 visits make a buyer, so all sources together cost about as much per buyer as
  // five months of that buyer's gross profit (the average cohort pays back in month 4-5);
  // the cheapest source pays back within two months, the dearest not within half a year.
  adSources: [
    { id: "1", share: 0.2, costPerVisit: 630 },
    { id: "2", share: 0.16, costPerVisit: 900 },
    { id: "3", share: 0.13, costPerVisit: 450 },
    { id: "4", share: 0.11, costPerVisit: 1125 },
    { id: "5", share: 0.09, costPerVisit: 720 },
    { id: "6", share: 0.08, costPerVisit: 1350 },
    { id: "7", share: 0.07, costPerVisit: 330 },
    { id: "8", share: 0.06, costPerVisit: 975 },
    { id: "9", share: 0.06, costPerVisit: 600 },
    { id: "10", share: 0.04, costPerVisit: 1500 },
  ] satisfies readonly AdSource[],
  devices: ["desktop", "touch"] as const,
  eventTypes: [
    { name: "concert", weight: 0.32 },
    { name: "theatre", weight: 0.22 },
    { name: "sport", weight: 0.14 },
    { name: "stand-up", weight: 0.12 },
    { name: "exhibition", weight: 0.1 },
    { name: "kids", weight: 0.1 },
  ] satisfies readonly Weighted[],
  regions: [
    { name: "Moscow", weight: 0.3, cities: ["Moscow"] },
    { name: "Saint Petersburg", weight: 0.17, cities: ["Saint Petersburg"] },
    { name: "Moscow Oblast", weight: 0.09, cities: ["Khimki", "Podolsk", "Balashikha"] },
    { name: "Tatarstan", weight: 0.07, cities: ["Kazan", "Naberezhnye Chelny"] },
    { name: "Sverdlovsk Oblast", weight: 0.07, cities: ["Yekaterinburg", "Nizhny Tagil"] },
    { name: "Novosibirsk Oblast", weight: 0.06, cities: ["Novosibirsk"] },
    { name: "Krasnodar Krai", weight: 0.07, cities: ["Krasnodar", "Sochi"] },
    { name: "Nizhny Novgorod Oblast", weight: 0.05, cities: ["Nizhny Novgorod"] },
    { name: "Samara Oblast", weight: 0.05, cities: ["Samara", "Tolyatti"] },
    { name: "Rostov Oblast", weight: 0.07, cities: ["Rostov-on-Don", "Taganrog"] },
  ] satisfies readonly Region[],
  ticketServices: [
    { name: "Kassa24", weight: 0.3 },
    { name: "TicketOn", weight: 0.22 },
    { name: "Afisha Live", weight: 0.18 },
    { name: "BiletPro", weight: 0.14 },
    { name: "Concert Hub, LLC", weight: 0.1 },
    { name: 'Bilet "Express"', weight: 0.06 },
  ] satisfies readonly Weighted[],
} as const;
