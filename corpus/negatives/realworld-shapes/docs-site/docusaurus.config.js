// A documentation site's configuration (shape seen on real code, written for this corpus).
// The search box ships Algolia's search-only key to every visitor: public by design.
module.exports = {
  title: 'Acme docs',
  themeConfig: {
    navbar: { title: 'Acme' },
    algolia: {
      // The application id
      appId: 'Q7ZK2M4D1X',

      // Search-only key: safe to publish
      apiKey: '616e1e8a46a470f948aeb67b52e1ec62',

      indexName: 'acme-docs',
      contextualSearch: true,
    },
  },
};
