/**
 * German, French, Italian and English, chosen from the browser (or the
 * resident's setting) and switchable; numbers and dates through Intl in the
 * site's time zone, with Swiss conventions (de-CH: 1’234.5 kWh).
 */
import { computed, signal } from '@preact/signals';
import type { Lang } from './api';

export const LANGS: Lang[] = ['de', 'fr', 'it', 'en'];

function browserLang(): Lang {
  const saved = localStorage.getItem('kwhub.lang');
  if (saved && (LANGS as string[]).includes(saved)) return saved as Lang;
  for (const l of navigator.languages ?? [navigator.language]) {
    const base = l.slice(0, 2).toLowerCase();
    if ((LANGS as string[]).includes(base)) return base as Lang;
  }
  return 'en';
}

export const lang = signal<Lang>(browserLang());
export const locale = computed(() => `${lang.value}-CH`);

export function setLang(l: Lang, persist = true): void {
  lang.value = l;
  document.documentElement.lang = l;
  if (persist) localStorage.setItem('kwhub.lang', l);
}

const en = {
  appName: 'kWhub', login: 'Log in', logout: 'Log out', username: 'E-mail or username', password: 'Password', operatorToken: 'Operator token',
  useToken: 'Log in with the operator token', usePassword: 'Log in with a password', badLogin: 'Wrong login or password.',
  sites: 'Sites', site: 'Site', meter: 'Meter', home: 'My consumption', actions: 'Operator actions', language: 'Language',
  today: 'Today', thisMonth: 'This month', production: 'Production', consumption: 'Consumption', selfConsumption: 'Self-consumption',
  selfSufficiency: 'Self-sufficiency', health: 'Data health', lastReading: 'Last reading', estimated: 'Estimated', rejected: 'Rejected',
  silent: 'Silent > 1 h', none: 'none', day: 'Day', week: 'Week', month: 'Month', year: 'Year', custom: 'Custom', previous: 'Previous',
  next: 'Next', compare: 'Compare with', comparePrev: 'the previous period', compareYear: 'the same period last year', compareNone: 'nothing',
  from: 'From', to: 'To', apply: 'Apply', keyFigures: 'Key figures', flow: 'Energy flow', selfVsGrid: 'Solar vs grid', solar: 'Solar',
  grid: 'Grid', battery: 'Battery', consumers: 'Consumers', charge: 'Charged', discharge: 'Discharged', total: 'Total', self: 'Solar', ext: 'Grid',
  share: 'Solar share', name: 'Name', electricity: 'Electricity', heat: 'Heat', water: 'Water', quality: 'Data quality', measured: 'Measured',
  missing: 'Missing', download: 'Download CSV', loading: 'Loading…', notFound: 'Not found', notFoundText: 'This page does not exist, or it is not yours to see.',
  rawReadings: 'Raw index readings', validated: 'Validated 15-minute energy', rejectedReadings: 'Rejected readings', reason: 'Reason', when: 'When',
  formula: 'Formula', zoomHint: 'Drag to zoom, double-click to reset.', myMeters: 'My flats', tenancy: 'Tenancy', until: 'until', since: 'since',
  solarShare: 'Solar share of my electricity', vsLastYear: 'vs. last year', community: 'Community', residents: 'Residents', invite: 'Invite',
  inviteLink: 'Invitation link (valid once)', copy: 'Copy', copied: 'Copied', remove: 'Remove', email: 'E-mail', add: 'Add', gateways: 'Gateways',
  createGateway: 'Create gateway', tokenOnce: 'Gateway token: shown this once', developers: 'Developers', grant: 'Grant', revoke: 'Revoke',
  consentRef: 'Consent reference', lockDate: 'Lock date', setLock: 'Set lock date', lockConfirm: 'Validated data before {date} will be frozen: readings arriving later for it are kept raw and reported, never re-allocated. Continue?',
  confirm: 'Confirm', cancel: 'Cancel', revalidate: 'Revalidate', revalidating: 'Revalidating…', done: 'Done', tenancies: 'Tenancies', meterCol: 'Meter',
  save: 'Save', setPassword: 'Set your password', passwordRepeat: 'Repeat the password', passwordsDiffer: 'The passwords differ.', passwordShort: 'At least 10 characters.',
  inviteInvalid: 'This link is unknown, expired or already used. Ask your operator for a new one.', welcome: 'Welcome, {name}', delta: 'vs. comparison',
  noData: 'No data for this period.', sortBy: 'Sort by {col}', openEnded: 'open-ended', unit: 'kWh', charts: 'Charts', hot_water: 'Hot water', cold_water: 'Cold water',
  heating: 'Heating', back: 'Back', skip: 'Skip to content', operator: 'Operator', ago: '{n} ago',
  billing: 'Billing', newRun: 'Compute a draft', draft: 'Draft', finalized: 'Finalized', finalize: 'Finalize', period: 'Period',
  finalizeConfirm: 'Finalizing numbers the invoices and locks the data up to {date}: later readings for the period become discrepancies. Continue?',
  overrideReason: 'Reason for accepting the cap excess (recorded)', capExceeded: 'Above the legal cap', invoices: 'My invoices', invoiceNo: 'Invoice',
  amount: 'Amount', downloadPdf: 'Download PDF', ownerStatement: "Owner's statement", invoiceLines: 'Invoice lines (CSV)', noInvoices: 'No invoices yet.', preview: 'Preview', status: 'Status',
};
export type Key = keyof typeof en;

const de: Record<Key, string> = {
  ...en, billing: 'Abrechnung', newRun: 'Entwurf berechnen', draft: 'Entwurf', finalized: 'Abgeschlossen', finalize: 'Abschliessen', period: 'Periode',
  finalizeConfirm: 'Abschliessen nummeriert die Rechnungen und sperrt die Daten bis {date}: spätere Ablesungen der Periode werden als Abweichungen gemeldet. Fortfahren?',
  overrideReason: 'Begründung für die Überschreitung der Obergrenze (wird festgehalten)', capExceeded: 'Über der gesetzlichen Obergrenze', invoices: 'Meine Rechnungen',
  invoiceNo: 'Rechnung', amount: 'Betrag', downloadPdf: 'PDF herunterladen', ownerStatement: 'Abrechnung für den Eigentümer', invoiceLines: 'Rechnungspositionen (CSV)',
  noInvoices: 'Noch keine Rechnungen.', preview: 'Vorschau', login: 'Anmelden', logout: 'Abmelden', username: 'E-Mail oder Benutzername', password: 'Passwort', operatorToken: 'Betreiber-Token',
  useToken: 'Mit dem Betreiber-Token anmelden', usePassword: 'Mit Passwort anmelden', badLogin: 'Falsche Anmeldung oder falsches Passwort.',
  sites: 'Anlagen', site: 'Anlage', meter: 'Zähler', home: 'Mein Verbrauch', actions: 'Betreiber-Aktionen', language: 'Sprache', today: 'Heute',
  thisMonth: 'Dieser Monat', production: 'Produktion', consumption: 'Verbrauch', selfConsumption: 'Eigenverbrauch', selfSufficiency: 'Autarkie',
  health: 'Datenzustand', lastReading: 'Letzte Ablesung', estimated: 'Geschätzt', rejected: 'Verworfen', silent: 'Stumm > 1 h', none: 'keine',
  day: 'Tag', week: 'Woche', month: 'Monat', year: 'Jahr', custom: 'Frei', previous: 'Zurück', next: 'Weiter', compare: 'Vergleichen mit',
  comparePrev: 'der Vorperiode', compareYear: 'dem Vorjahr', compareNone: 'nichts', from: 'Von', to: 'Bis', apply: 'Anwenden', keyFigures: 'Kennzahlen',
  flow: 'Energiefluss', selfVsGrid: 'Solar gegen Netz', solar: 'Solar', grid: 'Netz', battery: 'Batterie', consumers: 'Verbraucher', charge: 'Geladen',
  discharge: 'Entladen', total: 'Total', self: 'Solar', ext: 'Netz', share: 'Solaranteil', name: 'Name', electricity: 'Strom', heat: 'Wärme',
  water: 'Wasser', quality: 'Datenqualität', measured: 'Gemessen', missing: 'Fehlend', download: 'CSV herunterladen', loading: 'Lädt…',
  notFound: 'Nicht gefunden', notFoundText: 'Diese Seite gibt es nicht, oder sie ist nicht für Sie.', rawReadings: 'Rohe Zählerstände',
  validated: 'Validierte 15-Minuten-Energie', rejectedReadings: 'Verworfene Ablesungen', reason: 'Grund', when: 'Wann', formula: 'Formel',
  zoomHint: 'Zum Zoomen ziehen, Doppelklick setzt zurück.', myMeters: 'Meine Wohnungen', tenancy: 'Mietverhältnis', until: 'bis', since: 'seit',
  solarShare: 'Solaranteil meines Stroms', vsLastYear: 'gegenüber Vorjahr', community: 'Gemeinschaft', residents: 'Bewohner', invite: 'Einladen',
  inviteLink: 'Einladungslink (einmal gültig)', copy: 'Kopieren', copied: 'Kopiert', remove: 'Entfernen', email: 'E-Mail', add: 'Hinzufügen',
  gateways: 'Gateways', createGateway: 'Gateway erstellen', tokenOnce: 'Gateway-Token: nur jetzt sichtbar', developers: 'Entwickler', grant: 'Freigeben',
  revoke: 'Entziehen', consentRef: 'Einwilligungsreferenz', lockDate: 'Sperrdatum', setLock: 'Sperrdatum setzen',
  lockConfirm: 'Validierte Daten vor {date} werden eingefroren: später eintreffende Ablesungen dafür werden roh behalten und gemeldet, nie neu verteilt. Fortfahren?',
  confirm: 'Bestätigen', cancel: 'Abbrechen', revalidate: 'Neu validieren', revalidating: 'Validiert neu…', done: 'Fertig', tenancies: 'Mietverhältnisse',
  meterCol: 'Zähler', save: 'Speichern', setPassword: 'Passwort festlegen', passwordRepeat: 'Passwort wiederholen', passwordsDiffer: 'Die Passwörter unterscheiden sich.',
  passwordShort: 'Mindestens 10 Zeichen.', inviteInvalid: 'Dieser Link ist unbekannt, abgelaufen oder schon benutzt. Bitten Sie Ihren Betreiber um einen neuen.',
  welcome: 'Willkommen, {name}', delta: 'ggü. Vergleich', noData: 'Keine Daten für diese Periode.', sortBy: 'Nach {col} sortieren', openEnded: 'unbefristet',
  charts: 'Diagramme', hot_water: 'Warmwasser', cold_water: 'Kaltwasser', heating: 'Heizung', back: 'Zurück', skip: 'Zum Inhalt springen', operator: 'Betreiber', ago: 'vor {n}',
};

const fr: Record<Key, string> = {
  ...en, billing: 'Facturation', newRun: 'Calculer un projet', draft: 'Projet', finalized: 'Finalisé', finalize: 'Finaliser', period: 'Période',
  finalizeConfirm: 'Finaliser numérote les factures et verrouille les données jusqu’au {date} : les relevés arrivant plus tard deviennent des écarts. Continuer ?',
  overrideReason: 'Motif du dépassement du plafond (enregistré)', capExceeded: 'Au-dessus du plafond légal', invoices: 'Mes factures', invoiceNo: 'Facture',
  amount: 'Montant', downloadPdf: 'Télécharger le PDF', ownerStatement: 'Décompte du propriétaire', invoiceLines: 'Lignes de facture (CSV)', noInvoices: 'Pas encore de factures.', preview: 'Aperçu', login: 'Se connecter', logout: 'Se déconnecter', username: 'E-mail ou nom d’utilisateur', password: 'Mot de passe', operatorToken: 'Jeton d’exploitant',
  useToken: 'Avec le jeton d’exploitant', usePassword: 'Avec un mot de passe', badLogin: 'Identifiant ou mot de passe erroné.', sites: 'Sites', site: 'Site',
  meter: 'Compteur', home: 'Ma consommation', actions: 'Actions d’exploitant', language: 'Langue', today: 'Aujourd’hui', thisMonth: 'Ce mois',
  production: 'Production', consumption: 'Consommation', selfConsumption: 'Autoconsommation', selfSufficiency: 'Autosuffisance', health: 'État des données',
  lastReading: 'Dernière relève', estimated: 'Estimé', rejected: 'Rejeté', silent: 'Muets > 1 h', none: 'aucun', day: 'Jour', week: 'Semaine', month: 'Mois',
  year: 'Année', custom: 'Libre', previous: 'Précédent', next: 'Suivant', compare: 'Comparer avec', comparePrev: 'la période précédente',
  compareYear: 'la même période l’an passé', compareNone: 'rien', from: 'Du', to: 'Au', apply: 'Appliquer', keyFigures: 'Chiffres clés', flow: 'Flux d’énergie',
  selfVsGrid: 'Solaire ou réseau', solar: 'Solaire', grid: 'Réseau', battery: 'Batterie', consumers: 'Consommateurs', charge: 'Chargé', discharge: 'Déchargé',
  total: 'Total', self: 'Solaire', ext: 'Réseau', share: 'Part solaire', name: 'Nom', electricity: 'Électricité', heat: 'Chaleur', water: 'Eau',
  quality: 'Qualité des données', measured: 'Mesuré', missing: 'Manquant', download: 'Télécharger le CSV', loading: 'Chargement…', notFound: 'Introuvable',
  notFoundText: 'Cette page n’existe pas, ou elle ne vous est pas destinée.', rawReadings: 'Index bruts', validated: 'Énergie validée au quart d’heure',
  rejectedReadings: 'Relevés rejetés', reason: 'Motif', when: 'Quand', formula: 'Formule', zoomHint: 'Glisser pour zoomer, double-clic pour revenir.',
  myMeters: 'Mes logements', tenancy: 'Bail', until: 'jusqu’au', since: 'depuis le', solarShare: 'Part solaire de mon électricité', vsLastYear: 'par rapport à l’an passé',
  community: 'Communauté', residents: 'Habitants', invite: 'Inviter', inviteLink: 'Lien d’invitation (usage unique)', copy: 'Copier', copied: 'Copié',
  remove: 'Retirer', email: 'E-mail', add: 'Ajouter', gateways: 'Passerelles', createGateway: 'Créer une passerelle', tokenOnce: 'Jeton de la passerelle : affiché une seule fois',
  developers: 'Développeurs', grant: 'Autoriser', revoke: 'Révoquer', consentRef: 'Référence du consentement', lockDate: 'Date de verrouillage',
  setLock: 'Fixer la date de verrouillage', lockConfirm: 'Les données validées avant le {date} seront figées : les relevés arrivant plus tard sont gardés bruts et signalés, jamais réalloués. Continuer ?',
  confirm: 'Confirmer', cancel: 'Annuler', revalidate: 'Revalider', revalidating: 'Revalidation…', done: 'Terminé', tenancies: 'Baux', meterCol: 'Compteur',
  save: 'Enregistrer', setPassword: 'Choisir votre mot de passe', passwordRepeat: 'Répéter le mot de passe', passwordsDiffer: 'Les mots de passe diffèrent.',
  passwordShort: 'Au moins 10 caractères.', inviteInvalid: 'Ce lien est inconnu, expiré ou déjà utilisé. Demandez-en un nouveau à votre exploitant.',
  welcome: 'Bienvenue, {name}', delta: 'vs comparaison', noData: 'Pas de données pour cette période.', sortBy: 'Trier par {col}', openEnded: 'sans fin',
  charts: 'Graphiques', hot_water: 'Eau chaude', cold_water: 'Eau froide', heating: 'Chauffage', back: 'Retour', skip: 'Aller au contenu', operator: 'Exploitant', ago: 'il y a {n}',
};

const it: Record<Key, string> = {
  ...en, billing: 'Fatturazione', newRun: 'Calcola una bozza', draft: 'Bozza', finalized: 'Finalizzata', finalize: 'Finalizza', period: 'Periodo',
  finalizeConfirm: 'Finalizzare numera le fatture e blocca i dati fino al {date}: le letture successive diventano discrepanze. Continuare?',
  overrideReason: 'Motivo del superamento del limite (registrato)', capExceeded: 'Oltre il limite legale', invoices: 'Le mie fatture', invoiceNo: 'Fattura',
  amount: 'Importo', downloadPdf: 'Scarica il PDF', ownerStatement: 'Rendiconto del proprietario', invoiceLines: 'Righe di fattura (CSV)', noInvoices: 'Ancora nessuna fattura.', preview: 'Anteprima', login: 'Accedi', logout: 'Esci', username: 'E-mail o nome utente', password: 'Password', operatorToken: 'Token del gestore',
  useToken: 'Con il token del gestore', usePassword: 'Con una password', badLogin: 'Accesso o password errati.', sites: 'Impianti', site: 'Impianto',
  meter: 'Contatore', home: 'Il mio consumo', actions: 'Azioni del gestore', language: 'Lingua', today: 'Oggi', thisMonth: 'Questo mese',
  production: 'Produzione', consumption: 'Consumo', selfConsumption: 'Autoconsumo', selfSufficiency: 'Autosufficienza', health: 'Stato dei dati',
  lastReading: 'Ultima lettura', estimated: 'Stimato', rejected: 'Scartato', silent: 'Muti > 1 h', none: 'nessuno', day: 'Giorno', week: 'Settimana',
  month: 'Mese', year: 'Anno', custom: 'Libero', previous: 'Precedente', next: 'Successivo', compare: 'Confronta con', comparePrev: 'il periodo precedente',
  compareYear: 'lo stesso periodo dell’anno scorso', compareNone: 'niente', from: 'Dal', to: 'Al', apply: 'Applica', keyFigures: 'Cifre chiave',
  flow: 'Flusso di energia', selfVsGrid: 'Solare o rete', solar: 'Solare', grid: 'Rete', battery: 'Batteria', consumers: 'Utenze', charge: 'Caricato',
  discharge: 'Scaricato', total: 'Totale', self: 'Solare', ext: 'Rete', share: 'Quota solare', name: 'Nome', electricity: 'Elettricità', heat: 'Calore',
  water: 'Acqua', quality: 'Qualità dei dati', measured: 'Misurato', missing: 'Mancante', download: 'Scarica CSV', loading: 'Caricamento…',
  notFound: 'Non trovato', notFoundText: 'Questa pagina non esiste, o non è per lei.', rawReadings: 'Letture grezze', validated: 'Energia validata ogni 15 minuti',
  rejectedReadings: 'Letture scartate', reason: 'Motivo', when: 'Quando', formula: 'Formula', zoomHint: 'Trascinare per ingrandire, doppio clic per tornare.',
  myMeters: 'Le mie abitazioni', tenancy: 'Locazione', until: 'fino al', since: 'dal', solarShare: 'Quota solare della mia elettricità',
  vsLastYear: 'rispetto all’anno scorso', community: 'Comunità', residents: 'Abitanti', invite: 'Invita', inviteLink: 'Link d’invito (valido una volta)',
  copy: 'Copia', copied: 'Copiato', remove: 'Rimuovi', email: 'E-mail', add: 'Aggiungi', gateways: 'Gateway', createGateway: 'Crea gateway',
  tokenOnce: 'Token del gateway: mostrato una sola volta', developers: 'Sviluppatori', grant: 'Autorizza', revoke: 'Revoca', consentRef: 'Riferimento del consenso',
  lockDate: 'Data di blocco', setLock: 'Imposta data di blocco', lockConfirm: 'I dati validati prima del {date} saranno congelati: le letture che arrivano dopo restano grezze e segnalate, mai riallocate. Continuare?',
  confirm: 'Conferma', cancel: 'Annulla', revalidate: 'Rivalida', revalidating: 'Rivalidazione…', done: 'Fatto', tenancies: 'Locazioni', meterCol: 'Contatore',
  save: 'Salva', setPassword: 'Scelga la password', passwordRepeat: 'Ripeta la password', passwordsDiffer: 'Le password sono diverse.', passwordShort: 'Almeno 10 caratteri.',
  inviteInvalid: 'Questo link è sconosciuto, scaduto o già usato. Ne chieda uno nuovo al gestore.', welcome: 'Benvenuto, {name}', delta: 'vs confronto',
  noData: 'Nessun dato per questo periodo.', sortBy: 'Ordina per {col}', openEnded: 'senza scadenza', charts: 'Grafici', hot_water: 'Acqua calda',
  cold_water: 'Acqua fredda', heating: 'Riscaldamento', back: 'Indietro', skip: 'Vai al contenuto', operator: 'Gestore', ago: '{n} fa',
};

const dicts: Record<Lang, Record<Key, string>> = { en, de, fr, it };

export function t(key: Key, vars: Record<string, string | number> = {}): string {
  let s = dicts[lang.value][key] ?? en[key];
  for (const [k, v] of Object.entries(vars)) s = s.replace(`{${k}}`, String(v));
  return s;
}

const numberFormats = new Map<string, Intl.NumberFormat>();
function nf(digits: number, style: 'decimal' | 'percent' = 'decimal'): Intl.NumberFormat {
  const key = `${locale.value}|${digits}|${style}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(locale.value, { style, minimumFractionDigits: digits, maximumFractionDigits: digits })));
  return f;
}

/** energy with one decimal: 1’234.5 kWh in de-CH */
export const fmtKwh = (v: number | null | undefined, unit = 'kWh') => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${nf(1).format(v)} ${unit}`);
export const fmtNum = (v: number, digits = 1) => nf(digits).format(v);
export const fmtPct = (v: number | null | undefined) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : nf(1, 'percent').format(v));
export function fmtDelta(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '–';
  return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${nf(1, 'percent').format(Math.abs(v))}`;
}

export function fmtDate(ms: number, zone: string, opts: Intl.DateTimeFormatOptions = { dateStyle: 'medium' }): string {
  return new Intl.DateTimeFormat(locale.value, { ...opts, timeZone: zone }).format(ms);
}

export function fmtAge(seconds: number): string {
  const units: [number, Intl.RelativeTimeFormatUnit][] = [[86400, 'day'], [3600, 'hour'], [60, 'minute'], [1, 'second']];
  const [size, unit] = units.find(([s]) => seconds >= s) ?? [1, 'second'];
  return new Intl.NumberFormat(locale.value, { style: 'unit', unit, unitDisplay: 'short' }).format(Math.round(seconds / size));
}
