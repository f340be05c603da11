// Translations live in public/i18n/<lang>/translation.json (nested JSON, the
// layout NethServer's Weblate component expects); they are bundled from
// there. The language is the browser's, as in every NS8 module: English
// when there is no translation for it.
import Vue from "vue";
import VueI18n from "vue-i18n";

Vue.use(VueI18n);

export const LANGUAGES = ["en", "it"];

export const i18n = new VueI18n({
  locale: "en",
  fallbackLocale: "en",
  messages: {},
  silentFallbackWarn: true,
});

function load(lang) {
  return import(
    /* webpackChunkName: "lang-[request]" */
    `../../public/i18n/${lang}/translation.json`
  ).then((m) => i18n.setLocaleMessage(lang, m.default || m));
}

// loadLanguage loads English (the fallback) and the browser's language.
export function loadLanguage(browserLanguage) {
  const lang = String(browserLanguage || "en")
    .substring(0, 2)
    .toLowerCase();
  const wanted = LANGUAGES.includes(lang) ? lang : "en";
  const loads = [load("en")];
  if (wanted !== "en") {
    loads.push(load(wanted));
  }
  return Promise.all(loads).then(() => {
    i18n.locale = wanted;
    document.documentElement.setAttribute("lang", wanted);
  });
}
