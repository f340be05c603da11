import Vue from "vue";
import CarbonComponentsVue from "@carbon/vue";
import ns8Lib from "@nethserver/ns8-ui-lib";
import axios from "axios";
import App from "./App.vue";
import router from "./router";
import { i18n, loadLanguage } from "./i18n";
import { coreStylesheetApplied } from "./lib/styles";

Vue.config.productionTip = false;
Vue.use(CarbonComponentsVue);
Vue.use(ns8Lib);
// ns8-ui-lib's TaskService posts with this.axios, what vue-axios installs.
Vue.prototype.axios = axios;

// Styles. In NS8 the page takes the cluster admin's core.css (linked in
// index.html, so loaded or failed before this script runs: a script waits
// for the style sheets above it). Only where it did not apply is Carbon's
// own CSS loaded, as a separate chunk; the class no-core-css then turns on
// the few layout rules of app.css that core.css provides in NS8. app.css
// comes last either way, so that it refines whichever Carbon is there.
async function loadStyles() {
  if (!coreStylesheetApplied(document)) {
    document.documentElement.classList.add("no-core-css");
    await import(/* webpackChunkName: "carbon-fallback" */ "carbon-components/css/carbon-components.min.css");
  }
  await import(/* webpackChunkName: "app-styles" */ "./styles/app.css");
}

Promise.all([loadStyles(), loadLanguage(navigator.language)]).then(() => {
  new Vue({ router, i18n, render: (h) => h(App) }).$mount("#ns8-app");
});
