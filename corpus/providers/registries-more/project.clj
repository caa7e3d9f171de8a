(defproject acme/util "0.4.1"
  :description "Shared helpers"
  :deploy-repositories [["clojars" {:url "https://repo.clojars.org"
                                    :username "acme-ci"
                                    :password "CLOJARS_xbwjycb22ylkd6cen513kna6at73bb4ty4mc0pxysph6l8524srim3qtj1ql"
                                    :sign-releases false}]])
