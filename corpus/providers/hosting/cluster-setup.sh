#!/bin/sh
# Bring up the lab cluster (run on each node).
set -eu

if [ "$(hostname)" = "lab-cp-1" ]; then
  kubeadm init --pod-network-cidr=10.244.0.0/16
else
  kubeadm join 10.0.0.5:6443 --token gbjzyl.7vlv0npzw0f0yfup \
    --discovery-token-ca-cert-hash sha256:56869c837952ef54b6e6e992d57f33a9cd0b09227dd8a9b7f0090875f0f7e5b9
fi

# The swarm for the legacy services.
docker swarm join --token SWMTKN-1-4wtrzndk9z1wz7wrgbny2c8i2z2i6dqxurxhlqi8sciazo9udd-ywdg9il51erkyxt41i38ngewa 10.0.0.5:2377

# Decrypt the cluster secrets.
export SOPS_AGE_KEY=AGE-SECRET-KEY-1JVTU4NNVE9ZR4A4W5RJGTKZYD2NJUJCPALHKJLHLM2XLT6XXS62QGDWCCY
sops -d secrets.enc.yaml | kubectl apply -f -
