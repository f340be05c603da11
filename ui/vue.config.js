// vue-cli configuration (ns8-platform.md §1.5).

// Carbon's precompiled CSS loads the IBM Plex fonts from IBM's CDN
// (1.www.s81c.com): the admin's browser would call a third party each time
// the page opens, and wait for it where the cluster has no Internet access.
// Those @font-face rules are dropped; the page then uses Carbon's fallback
// fonts (Helvetica Neue, Arial, sans-serif). (Giving postcss plugins
// replaces vue-cli's default autoprefixer: not needed, Carbon's CSS comes
// prefixed and ours uses nothing current browsers lack.)
function dropRemoteFontFaces(root) {
  root.walkAtRules("font-face", (rule) => {
    if (/url\(\s*["']?(https?:)?\/\//.test(rule.toString())) {
      rule.remove();
    }
  });
}

module.exports = {
  // The UI is served from a sub-path (cluster-admin/apps/<module_id>/):
  // every asset URL must be relative. (public/ is copied as is: the logo
  // lands in dist/img/, where the core looks for apps/<id>/img/*logo*png.)
  publicPath: "./",
  productionSourceMap: false,
  // No dev-server or lint plugins are installed: the build is all we need.
  lintOnSave: false,
  css: {
    loaderOptions: {
      postcss: { plugins: [dropRemoteFontFaces] },
    },
  },
  // No <link rel=prefetch> for the lazy chunks: the main one is the
  // bundled Carbon CSS, needed only outside NS8 (src/main.js), which a
  // browser in the cluster admin should not download for nothing.
  chainWebpack: (config) => {
    config.plugins.delete("prefetch");
  },
  configureWebpack: {
    // The bundle includes Carbon and ns8-ui-lib whole; size warnings are noise.
    performance: { hints: false },
    resolve: {
      alias: {
        // ns8-ui-lib 0.1.32 imports the icon "app-switcher", which
        // @carbon/icons-vue renamed "switcher" after 10.47. But 10.47 tells
        // Vue 3 from Vue 2 by Vue's `h` export, which Vue 2.7 has too: its
        // icons render as empty 300x150 boxes. So the UI uses 10.63 (the
        // version @carbon/vue 2.45 pins, which asks for `createApp`), and
        // the old name points to the new one.
        "@carbon/icons-vue/es/app-switcher/20$": "@carbon/icons-vue/es/switcher/20",
      },
    },
  },
};
