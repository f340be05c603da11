import Vue from "vue";
import CarbonComponentsVue from "@carbon/vue";
import ns8Lib from "@nethserver/ns8-ui-lib";
import axios from "axios";
import "carbon-components/css/carbon-components.min.css";
import "./styles/app.css";
import App from "./App.vue";
import router from "./router";
import { i18n, loadLanguage } from "./i18n";

Vue.config.productionTip = false;
Vue.use(CarbonComponentsVue);
Vue.use(ns8Lib);
// ns8-ui-lib's TaskService posts with this.axios, what vue-axios installs.
Vue.prototype.axios = axios;

loadLanguage(navigator.language).then(() => {
  new Vue({ router, i18n, render: (h) => h(App) }).$mount("#ns8-app");
});
