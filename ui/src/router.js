// The app's pages. The cluster admin selects one with its own URL,
// #/apps/<id>?page=<name> (QueryParamService); App.vue follows that and
// moves this router, which is in "abstract" mode: the iframe's own URL
// never changes.
import Vue from "vue";
import VueRouter from "vue-router";
import Status from "./views/Status.vue";
import Settings from "./views/Settings.vue";
import About from "./views/About.vue";

Vue.use(VueRouter);

export const PAGES = ["status", "settings", "about"];

export default new VueRouter({
  mode: "abstract",
  routes: [
    { path: "/", redirect: "/status" },
    { path: "/status", name: "status", component: Status },
    { path: "/settings", name: "settings", component: Settings },
    { path: "/about", name: "about", component: About },
    { path: "*", redirect: "/status" },
  ],
});
