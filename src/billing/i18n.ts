/**
 * The invoice's words in the participants' four languages, and Swiss number
 * and date formats (1'234.50, 31.03.2025) for all of them, as Swiss invoices
 * print amounts the same way in every language region.
 */
import type { Language, LineKind, SplitKey } from '../core/billing/index.js';

export interface Words {
  invoice: string;
  draft: string;
  invoiceNumber: string;
  date: string;
  period: string;
  site: string;
  meter: string;
  community: string;
  communityInternal: string;
  communityExternal: string;
  yourEnergy: string;
  internal: string;
  external: string;
  commonArea: string;
  key: Record<SplitKey, string>;
  yourShare: string;
  line: Record<LineKind, string>;
  quantity: string;
  unitPrice: string;
  amount: string;
  net: string;
  vat: string;
  noVat: string;
  rounding: string;
  total: string;
  advances: string;
  balanceDue: string;
  credit: string;
  externalPrice: string;
  cap: string;
  capText: (ref: string, pct: string, limit: string) => string;
  capOverride: string;
  chart: string;
  chartSelf: string;
  chartGrid: string;
  month: string;
  monthUnit: string;
  months: string[];
  payable: string;
  vacancy: string;
  statement: string;
  participant: string;
  reconciliation: string;
  difference: string;
  warnings: string;
}

const MONTHS: Record<Language, string[]> = {
  de: ['Jan', 'Feb', 'Mär', 'Apr', 'Mai', 'Jun', 'Jul', 'Aug', 'Sep', 'Okt', 'Nov', 'Dez'],
  fr: ['janv', 'févr', 'mars', 'avr', 'mai', 'juin', 'juil', 'août', 'sept', 'oct', 'nov', 'déc'],
  it: ['gen', 'feb', 'mar', 'apr', 'mag', 'giu', 'lug', 'ago', 'set', 'ott', 'nov', 'dic'],
  en: ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'],
};

export const WORDS: Record<Language, Words> = {
  de: {
    invoice: 'Stromrechnung ZEV',
    draft: 'ENTWURF',
    invoiceNumber: 'Rechnungsnummer',
    date: 'Datum',
    period: 'Abrechnungsperiode',
    site: 'Zusammenschluss',
    meter: 'Zähler',
    community: 'Zusammenschluss gesamt',
    communityInternal: 'Solarstrom intern verbraucht',
    communityExternal: 'Netzstrom bezogen',
    yourEnergy: 'Ihr Verbrauch',
    internal: 'Solarstrom (intern)',
    external: 'Netzstrom (extern)',
    commonArea: 'Allgemeinstrom',
    key: { equal: 'zu gleichen Teilen', floor_area: 'nach Wohnfläche', consumption: 'nach Verbrauch' },
    yourShare: 'Ihr Anteil',
    line: { solar: 'Solarstrom', grid: 'Netzstrom', common_solar: 'Allgemeinstrom solar', common_grid: 'Allgemeinstrom Netz', fee: 'Gebühr' },
    quantity: 'Menge',
    unitPrice: 'Preis',
    amount: 'Betrag CHF',
    net: 'Total netto',
    vat: 'MWST',
    noVat: 'ohne MWST',
    rounding: 'Rundung',
    total: 'Total',
    advances: 'Akontozahlungen',
    balanceDue: 'Zu bezahlen',
    credit: 'Guthaben',
    externalPrice: 'Netzstrompreis',
    cap: 'Kostenobergrenze (EnV Art. 16)',
    capText: (ref, pct, limit) => `Standardprodukt für denselben Solarstrom: CHF ${ref}. Verrechnet: ${pct} % (zulässig: ${limit} %).`,
    capOverride: 'Überschreitung begründet',
    chart: 'Monatlicher Verbrauch (kWh)',
    chartSelf: 'Solarstrom',
    chartGrid: 'Netzstrom',
    month: 'Monat',
    monthUnit: 'Mt.',
    months: MONTHS.de,
    payable: 'Zahlbar innert 30 Tagen',
    vacancy: 'Leerstand (Eigentümer)',
    statement: 'Abrechnung Eigentümer',
    participant: 'Teilnehmer',
    reconciliation: 'Abstimmung',
    difference: 'Differenz',
    warnings: 'Hinweise',
  },
  fr: {
    invoice: "Facture d'électricité RCP",
    draft: 'PROJET',
    invoiceNumber: 'N° de facture',
    date: 'Date',
    period: 'Période de décompte',
    site: 'Regroupement',
    meter: 'Compteur',
    community: 'Regroupement au total',
    communityInternal: 'Électricité solaire consommée',
    communityExternal: 'Électricité du réseau',
    yourEnergy: 'Votre consommation',
    internal: 'Électricité solaire (interne)',
    external: 'Électricité du réseau (externe)',
    commonArea: 'Électricité des parties communes',
    key: { equal: 'à parts égales', floor_area: 'selon la surface', consumption: 'selon la consommation' },
    yourShare: 'Votre part',
    line: { solar: 'Électricité solaire', grid: 'Électricité du réseau', common_solar: 'Parties communes, solaire', common_grid: 'Parties communes, réseau', fee: 'Frais' },
    quantity: 'Quantité',
    unitPrice: 'Prix',
    amount: 'Montant CHF',
    net: 'Total net',
    vat: 'TVA',
    noVat: 'sans TVA',
    rounding: 'Arrondi',
    total: 'Total',
    advances: 'Acomptes',
    balanceDue: 'À payer',
    credit: 'Avoir',
    externalPrice: "Prix de l'électricité du réseau",
    cap: 'Plafond des coûts (OEne art. 16)',
    capText: (ref, pct, limit) => `Produit standard pour la même électricité solaire: CHF ${ref}. Facturé: ${pct} % (admis: ${limit} %).`,
    capOverride: 'Dépassement justifié',
    chart: 'Consommation mensuelle (kWh)',
    chartSelf: 'Solaire',
    chartGrid: 'Réseau',
    month: 'Mois',
    monthUnit: 'mois',
    months: MONTHS.fr,
    payable: 'Payable dans les 30 jours',
    vacancy: 'Vacance (propriétaire)',
    statement: 'Décompte du propriétaire',
    participant: 'Participant',
    reconciliation: 'Rapprochement',
    difference: 'Différence',
    warnings: 'Remarques',
  },
  it: {
    invoice: 'Fattura elettricità RCP',
    draft: 'BOZZA',
    invoiceNumber: 'N. fattura',
    date: 'Data',
    period: 'Periodo di fatturazione',
    site: 'Raggruppamento',
    meter: 'Contatore',
    community: 'Raggruppamento in totale',
    communityInternal: 'Energia solare consumata',
    communityExternal: 'Energia dalla rete',
    yourEnergy: 'Il suo consumo',
    internal: 'Energia solare (interna)',
    external: 'Energia dalla rete (esterna)',
    commonArea: 'Elettricità parti comuni',
    key: { equal: 'in parti uguali', floor_area: 'secondo la superficie', consumption: 'secondo il consumo' },
    yourShare: 'La sua quota',
    line: { solar: 'Energia solare', grid: 'Energia dalla rete', common_solar: 'Parti comuni, solare', common_grid: 'Parti comuni, rete', fee: 'Tassa' },
    quantity: 'Quantità',
    unitPrice: 'Prezzo',
    amount: 'Importo CHF',
    net: 'Totale netto',
    vat: 'IVA',
    noVat: 'senza IVA',
    rounding: 'Arrotondamento',
    total: 'Totale',
    advances: 'Acconti',
    balanceDue: 'Da pagare',
    credit: 'Credito',
    externalPrice: "Prezzo dell'energia di rete",
    cap: 'Limite dei costi (OEn art. 16)',
    capText: (ref, pct, limit) => `Prodotto standard per la stessa energia solare: CHF ${ref}. Fatturato: ${pct} % (ammesso: ${limit} %).`,
    capOverride: 'Superamento motivato',
    chart: 'Consumo mensile (kWh)',
    chartSelf: 'Solare',
    chartGrid: 'Rete',
    month: 'Mese',
    monthUnit: 'mesi',
    months: MONTHS.it,
    payable: 'Pagabile entro 30 giorni',
    vacancy: 'Sfitto (proprietario)',
    statement: 'Rendiconto del proprietario',
    participant: 'Partecipante',
    reconciliation: 'Riconciliazione',
    difference: 'Differenza',
    warnings: 'Osservazioni',
  },
  en: {
    invoice: 'Electricity invoice (ZEV)',
    draft: 'DRAFT',
    invoiceNumber: 'Invoice number',
    date: 'Date',
    period: 'Billing period',
    site: 'Community',
    meter: 'Meter',
    community: 'Community totals',
    communityInternal: 'Solar power used internally',
    communityExternal: 'Grid power drawn',
    yourEnergy: 'Your consumption',
    internal: 'Solar power (internal)',
    external: 'Grid power (external)',
    commonArea: 'Common-area electricity',
    key: { equal: 'in equal shares', floor_area: 'by floor area', consumption: 'by consumption' },
    yourShare: 'Your share',
    line: { solar: 'Solar power', grid: 'Grid power', common_solar: 'Common area, solar', common_grid: 'Common area, grid', fee: 'Fee' },
    quantity: 'Quantity',
    unitPrice: 'Price',
    amount: 'Amount CHF',
    net: 'Net total',
    vat: 'VAT',
    noVat: 'no VAT',
    rounding: 'Rounding',
    total: 'Total',
    advances: 'Advance payments',
    balanceDue: 'Balance due',
    credit: 'Credit',
    externalPrice: 'Grid power price',
    cap: 'Cost cap (EnV Art. 16)',
    capText: (ref, pct, limit) => `Standard product for the same solar power: CHF ${ref}. Charged: ${pct} % (allowed: ${limit} %).`,
    capOverride: 'Excess justified',
    chart: 'Monthly consumption (kWh)',
    chartSelf: 'Solar',
    chartGrid: 'Grid',
    month: 'Month',
    monthUnit: 'mo.',
    months: MONTHS.en,
    payable: 'Payable within 30 days',
    vacancy: 'Vacancy (owner)',
    statement: "Owner's statement",
    participant: 'Participant',
    reconciliation: 'Reconciliation',
    difference: 'Difference',
    warnings: 'Notes',
  },
};

/** 1234567.5 -> "1'234'567.50" */
export function formatChf(centimes: number): string {
  const neg = centimes < 0;
  const a = Math.abs(Math.round(centimes));
  const int = String(Math.floor(a / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, "'");
  return `${neg ? '-' : ''}${int}.${String(a % 100).padStart(2, '0')}`;
}

/** a number with a fixed count of decimals and Swiss grouping */
export function formatNumber(x: number, decimals: number): string {
  const [i, f] = Math.abs(x).toFixed(decimals).split('.');
  const int = i.replace(/\B(?=(\d{3})+(?!\d))/g, "'");
  return `${x < 0 && Number(x.toFixed(decimals)) !== 0 ? '-' : ''}${int}${f ? '.' + f : ''}`;
}

/** UTC ms -> "31.03.2025" in the zone (an exclusive period end shows the last day: pass end - 1) */
export function formatDate(ms: number, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, day: '2-digit', month: '2-digit', year: 'numeric' }).formatToParts(new Date(ms));
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('day')}.${get('month')}.${get('year')}`;
}
