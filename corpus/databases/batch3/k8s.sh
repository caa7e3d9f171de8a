kubectl create secret generic db --from-literal=username=app --from-literal=password=K8s-Literal-Pw
