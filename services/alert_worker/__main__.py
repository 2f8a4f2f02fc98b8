from services.alert_worker.main import main

main()
