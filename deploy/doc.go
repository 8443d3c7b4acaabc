// Package deploy holds what runs socketlab beyond one machine: the Helm chart in helm/socketlab
// and, in nginx.go, the load balancer configuration generated from the chart's values for the
// multi-replica test. Its tests render the chart and check it (helm_test.go), and put three
// gateways behind a real nginx on loopback (balancer_test.go).
package deploy
